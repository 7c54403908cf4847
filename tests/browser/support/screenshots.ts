import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ROOT } from '@shop/native-stack'
import type { Locator, Page } from 'playwright-core'

/** Git-ignored: kept after a run (and by CI) to see what the browser saw. */
export const SCREENSHOTS = join(ROOT, '.artifacts', 'screenshots')

/** A whole page, or just one part of it (a locator). */
export async function screenshot(what: Page | Locator, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  if ('goto' in what) await what.screenshot({ path, fullPage: true })
  else await what.screenshot({ path })
}
