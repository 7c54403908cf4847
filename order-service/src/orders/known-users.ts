/**
 * Ids user-service has confirmed, so an order for a returning customer skips the HTTP check.
 * Only existence is remembered, never absence: users are never deleted, so a confirmed id
 * stays true, while an id that was unknown is asked about again and a user created after a
 * 422 is seen at once. Bounded: past `capacity`, the id confirmed longest ago is forgotten.
 */
export class KnownUsers {
  readonly #ids = new Set<number>()

  constructor(readonly capacity = 10_000) {}

  has(id: number) {
    return this.#ids.has(id)
  }

  add(id: number) {
    if (this.#ids.has(id)) return
    if (this.#ids.size >= this.capacity) {
      const oldest = this.#ids.values().next()
      if (!oldest.done) this.#ids.delete(oldest.value)
    }
    this.#ids.add(id)
  }

  get size() {
    return this.#ids.size
  }
}
