import { performance } from 'node:perf_hooks'
import { Histogram, type Registry } from '@prometheus-io/client'
import { DelayedError, type Job } from 'bullmq'

const WAIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900]
const PROCESSING_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/**
 * `orders_job_wait_seconds` (added to first started) and `orders_job_processing_seconds`
 * {outcome} (one attempt). The labelled children are made once: an attempt pays for two
 * observations and no label lookup.
 */
export function createJobTimings(registry: Registry) {
  const registers = [registry]
  const wait = new Histogram({
    name: 'orders_job_wait_seconds',
    help: 'Time from a job added to the queue to its first processing attempt',
    buckets: WAIT_BUCKETS,
    registers,
  })
  const processing = new Histogram({
    name: 'orders_job_processing_seconds',
    help: 'Time one processing attempt took, by outcome',
    labelNames: ['outcome'] as const,
    buckets: PROCESSING_BUCKETS,
    registers,
  })
  const completed = processing.labels({ outcome: 'completed' })
  const failed = processing.labels({ outcome: 'failed' })

  /**
   * Runs one attempt of `job`, timing it. Its wait is observed on its first start only, so a
   * retried, stalled or put-off job counts once. An attempt put off (DelayedError) is neither
   * completed nor failed, and is not observed.
   */
  return async function timed<T>(job: Job, attempt: () => Promise<T>): Promise<T> {
    if (job.attemptsStarted === 1 && job.processedOn !== undefined) {
      // Added and started are stamped by different machines' clocks: never below zero.
      wait.observe(Math.max(0, job.processedOn - job.timestamp) / 1000)
    }
    const start = performance.now()
    try {
      const result = await attempt()
      completed.observe((performance.now() - start) / 1000)
      return result
    } catch (error) {
      if (!(error instanceof DelayedError)) failed.observe((performance.now() - start) / 1000)
      throw error
    }
  }
}
