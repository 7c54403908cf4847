/**
 * Gathers calls into batches: the calls made in one turn of the event loop, or while a batch
 * is on its way, go out together in the next. Under load one round trip serves many callers;
 * a lone caller goes out at once. `run` answers every input of a batch, in order; if it
 * throws, every caller of that batch gets the error.
 */
export function createBatcher<Input, Output>(
  run: (inputs: Input[]) => Promise<Output[]>,
  maxBatch = 256,
) {
  type Waiting = {
    input: Input
    resolve: (output: Output) => void
    reject: (error: unknown) => void
  }
  let waiting: Waiting[] = []
  let flushing: Promise<void> | undefined

  async function flush() {
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch)
      waiting = waiting.slice(batch.length)
      try {
        const outputs = await run(batch.map((entry) => entry.input))
        batch.forEach((entry, i) => {
          entry.resolve(outputs[i] as Output)
        })
      } catch (error) {
        for (const entry of batch) entry.reject(error)
      }
    }
    flushing = undefined
  }

  return {
    call(input: Input) {
      return new Promise<Output>((resolve, reject) => {
        waiting.push({ input, resolve, reject })
        flushing ??= new Promise((next) => setImmediate(next)).then(flush)
      })
    },
    /** Resolves once the batches under way are done. */
    async drain() {
      await flushing
    },
  }
}
