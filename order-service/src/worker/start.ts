import { exitWithMessage, listen } from '@shop/platform'
import { loadWorkerConfig } from '../config.js'
import { buildWorker } from './order-worker.js'

try {
  const config = loadWorkerConfig()
  const { app } = await buildWorker(config)
  // SIGTERM closes the app, whose preClose hook awaits worker.close(): active jobs finish.
  await listen(app, { host: config.HOST, port: config.WORKER_PORT })
} catch (error) {
  exitWithMessage('order-worker', error)
}
