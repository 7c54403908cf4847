import { listenOnLoopback, suiteResource } from '@shop/test-kit'
import { createServiceApp, type ServiceApp } from '../../src/app.js'

/**
 * A service app for the suite, given its routes by `addRoutes`, listening on a loopback port
 * (`base`) and closed after the suite's last test.
 */
export function useListeningApp(addRoutes: (app: ServiceApp) => unknown) {
  return suiteResource(async (teardown) => {
    const app = await createServiceApp({ name: 'test', logLevel: 'silent' })
    teardown(() => app.close())
    await addRoutes(app)
    return { app, base: await listenOnLoopback(app) }
  })
}
