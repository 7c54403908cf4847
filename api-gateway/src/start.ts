import { exitWithMessage, listen } from '@shop/platform'
import { buildGateway, SERVICE_NAME } from './app.js'
import { loadConfig } from './config.js'

try {
  const config = loadConfig()
  const app = await buildGateway(config)
  await listen(app, { host: config.HOST, port: config.PORT })
} catch (error) {
  exitWithMessage(SERVICE_NAME, error)
}
