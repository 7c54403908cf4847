import type { Locator, Page } from 'playwright-core'

/** `GET /users/{id}`-style names of the operations of an OpenAPI document, sorted. */
export function operationsOf(document: { paths: Record<string, Record<string, unknown>> }) {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort()
}

/** The operations Swagger UI shows on the page, once it has rendered them, sorted. */
export async function operationsShown(page: Page) {
  await page.locator('.opblock').first().waitFor()
  const shown = await page
    .locator('.opblock-summary')
    .evaluateAll((summaries) =>
      summaries.map(
        (summary) =>
          `${summary.querySelector('.opblock-summary-method')?.textContent} ${summary.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
      ),
    )
  return shown.sort()
}

/** The block of one operation, e.g. `operation(page, 'post', '/users')`. */
export function operation(page: Page, method: string, path: string): Locator {
  return page
    .locator(`.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
}
