/**
 * A body over the limit, sent over a real socket the way an uploading client sends it: the
 * client must read the 413 problem every time, straight to each service and through the
 * gateway, never a connection reset under the upload.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { asCustomer, sendRawRequest, suiteStarted } from '@shop/test-kit'
import { startRealServices } from './support/real-services.js'
import { realUpstreams, useGateway } from './support/suite.js'

const TWO_MB = Buffer.alloc(2 * 1024 * 1024, ' ')
const ROUNDS = 25

describe('a request body over the limit', () => {
  const services = suiteStarted(startRealServices)
  const gateway = useGateway(() => realUpstreams(services))

  const targets: [string, () => string, string][] = [
    ['user-service', () => services.usersUrl, '/users'],
    ['order-service', () => services.ordersUrl, '/orders'],
    ['the gateway to user-service', () => gateway.url, '/users'],
    ['the gateway to order-service', () => gateway.url, '/orders'],
  ]

  for (const [name, base, path] of targets) {
    it(`is answered 413 problem+json that the client reads, every time, by ${name}`, async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const answer = await sendRawRequest(base(), {
          path,
          // A customer's token: order-service reads no body before it knows who sends it.
          headers: { 'content-type': 'application/json', ...(await asCustomer(1)) },
          body: TWO_MB,
        }).catch((error: Error) => assert.fail(`round ${round}: ${error.message}`))
        assert.equal(answer.status, 413, `round ${round}: ${answer.body}`)
        assert.match(answer.headers['content-type'] ?? '', /^application\/problem\+json/)
        assert.equal(JSON.parse(answer.body).status, 413)
      }
    })
  }
})
