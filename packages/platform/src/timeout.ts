/** Settles as `work` does, or rejects once `ms` have passed (`<who> gave no answer within <ms> ms`). */
export function withTimeout<T>(work: Promise<T>, ms: number, who?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${who ? `${who} gave ` : ''}no answer within ${ms} ms`)),
      ms,
    )
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}
