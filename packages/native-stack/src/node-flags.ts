/**
 * Node's flags per entry point (`<service> dist/<entry>.js`), the same wherever it runs: the
 * native stack passes them (processes.ts), and compose's and the Kubernetes manifests'
 * commands carry them, which tests/deploy holds to this table.
 *
 * V8 grows a process's young generation under the garbage it makes, up to 16 MB semi-spaces
 * on Node 20 and 64 MB on Node 24, and keeps it until minutes of idling. Every process gives
 * back what start-up grew once it first idles (packages/platform/src/start-up-memory.ts);
 * what load grows stays. Smaller semi-spaces bound that, for more frequent minor collections:
 * - Bull Board is an admin page that idles: 1 MB;
 * - a worker's jobs leave little alive between two collections: with 2 MB, garbage
 *   collection took 11 % of its busy time instead of 9 % (`pnpm bench workers --profile 1`),
 *   which CPU per order did not show beyond noise, for about 20 MB less per worker.
 * The HTTP processes keep V8's default: on them the flag costs 20-55 % more CPU per request.
 */
export const NODE_FLAGS: Record<string, string[]> = {
  'order-service dist/worker/server.js': ['--max-semi-space-size=2'],
  'order-service dist/board/server.js': ['--max-semi-space-size=1'],
}

export const nodeFlags = (service: string, script: string) =>
  NODE_FLAGS[`${service} ${script}`] ?? []
