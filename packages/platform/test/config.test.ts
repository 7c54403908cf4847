import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { ConfigError, env, parseConfig } from '../src/config.js'

const Config = z.object({
  PORT: env.port(8001),
  DATABASE_URL: env.postgresUrl(),
  VERBOSE: env.flag(false),
  FAILURE_RATE: env.ratio(0),
})

describe('parseConfig', () => {
  it('applies defaults and coerces values', () => {
    const config = parseConfig(Config, {
      DATABASE_URL: 'postgres://u:p@db:5432/shop',
      VERBOSE: 'on',
    })
    assert.deepEqual(config, {
      PORT: 8001,
      DATABASE_URL: 'postgres://u:p@db:5432/shop',
      VERBOSE: true,
      FAILURE_RATE: 0,
    })
  })

  it('treats an empty value as unset', () => {
    const config = parseConfig(Config, { DATABASE_URL: 'postgres://db/shop', PORT: '' })
    assert.equal(config.PORT, 8001)
  })

  it('refuses a bad value and names the variable', () => {
    assert.throws(
      () => parseConfig(Config, { DATABASE_URL: 'mysql://db/shop', PORT: 'eighty' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /DATABASE_URL="mysql:\/\/db\/shop"/.test(error.message) &&
        /PORT="eighty"/.test(error.message),
    )
  })

  it('never prints back a password, in a URL or in a secret variable', () => {
    const Secrets = Config.extend({ BULL_BOARD_PASSWORD: z.string().min(16) })
    assert.throws(
      () =>
        parseConfig(Secrets, {
          DATABASE_URL: 'mysql://shop:s3cret-pw@db/shop',
          BULL_BOARD_PASSWORD: 'short-s3cret',
        }),
      (error: unknown) =>
        error instanceof ConfigError &&
        !/s3cret/.test(error.message) &&
        /DATABASE_URL="mysql:\/\/\*\*\*@db\/shop"/.test(error.message) &&
        /BULL_BOARD_PASSWORD=\(hidden\)/.test(error.message),
    )
  })

  it('masks credentials even in a URL it cannot parse', () => {
    assert.throws(
      () => parseConfig(Config, { DATABASE_URL: 'postgres//shop:s3cret@db:5432/shop' }),
      (error: unknown) => error instanceof ConfigError && !/s3cret/.test(error.message),
    )
  })

  it('refuses a missing required variable', () => {
    assert.throws(() => parseConfig(Config, {}), /DATABASE_URL is required/)
  })

  it('refuses a ratio outside 0..1 and an unknown flag word', () => {
    assert.throws(
      () => parseConfig(Config, { DATABASE_URL: 'postgres://db/x', FAILURE_RATE: '1.5' }),
      /FAILURE_RATE/,
    )
    assert.throws(
      () => parseConfig(Config, { DATABASE_URL: 'postgres://db/x', VERBOSE: 'maybe' }),
      /VERBOSE/,
    )
  })

  it('names the variable and the item for a bad entry of a comma-separated list', () => {
    const Urls = z.object({
      URLS: z
        .string()
        .transform((value) => value.split(','))
        .pipe(z.array(env.httpUrl())),
    })
    assert.throws(
      () => parseConfig(Urls, { URLS: 'http://a:1,ftp://b' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.startsWith('invalid configuration: URLS="http://a:1,ftp://b" (item 2):'),
    )
  })
})
