/** The arithmetic of a baseline comparison: which side runs when, and what its rounds say. */

export type SideName = 'working' | 'baseline'

/**
 * `rounds` of each side in pairs whose order flips every pair (working, baseline, baseline,
 * working, …): both sides take turns going first, so a steady drift of the machine's load
 * weighs on both alike.
 */
export function roundOrder(rounds: number): SideName[] {
  const order: SideName[] = []
  for (let pair = 0; pair < rounds; pair++) {
    order.push(
      ...(pair % 2 === 0 ? (['working', 'baseline'] as const) : (['baseline', 'working'] as const)),
    )
  }
  return order
}

/** The value at quantile `q` (0 to 1) of sorted values, interpolated between neighbours. */
function quantile(sorted: number[], q: number) {
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const high = Math.ceil(at)
  const a = sorted[low] ?? Number.NaN
  const b = sorted[high] ?? Number.NaN
  return a + (b - a) * (at - low)
}

export interface Summary {
  median: number
  min: number
  max: number
  /** First and third quartiles. */
  q1: number
  q3: number
  rounds: number
}

/** Median, range and quartiles of one metric's rounds; values that are not numbers are left out. */
export function summarize(values: number[]): Summary {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    rounds: sorted.length,
  }
}

export interface Comparison {
  metric: string
  working: Summary
  baseline: Summary
  /** Working tree's median ÷ the baseline's. */
  ratio: number
}

/** Each metric either side reported, in the order first seen, summarized on both sides. */
export function compareRounds(
  working: Record<string, number>[],
  baseline: Record<string, number>[],
): Comparison[] {
  const metrics = [...new Set([...working, ...baseline].flatMap((r) => Object.keys(r)))]
  return metrics.map((metric) => {
    const w = summarize(working.map((r) => r[metric] ?? Number.NaN))
    const b = summarize(baseline.map((r) => r[metric] ?? Number.NaN))
    return {
      metric,
      working: w,
      baseline: b,
      ratio: b.median > 0 ? w.median / b.median : Number.NaN,
    }
  })
}
