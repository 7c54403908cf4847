import { exitWithMessage, listen } from '@shop/platform'
import { loadBoardConfig } from '../config.js'
import { buildBoard } from './app.js'

try {
  const config = loadBoardConfig()
  const app = await buildBoard(config)
  await listen(app, { host: config.HOST, port: config.BULL_BOARD_PORT })
} catch (error) {
  exitWithMessage('order-board', error)
}
