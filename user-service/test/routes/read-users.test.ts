import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { asAdmin } from '@shop/test-kit'
import { assertProblem, createUser, useUserService } from '../helpers.js'

interface UserJson {
  id: number
  email: string
  full_name: string
  created_at: string
}

describe('reading users', () => {
  const service = useUserService()
  const created: UserJson[] = []

  before(async () => {
    for (let i = 0; i < 5; i++) {
      const res = await createUser(service.app, {
        email: `reader${i}@example.com`,
        full_name: `R ${i}`,
      })
      assert.equal(res.statusCode, 201)
      created.push(res.json())
    }
  })

  /** GET `url` as an admin, who may read every user. */
  async function get(url: string) {
    return service.app.inject({ method: 'GET', url, headers: await asAdmin() })
  }

  /** The target of a `Link: <…>; rel="next"` header, or undefined when there is none. */
  function nextLink(link: string | string[] | number | undefined) {
    if (link === undefined) return undefined
    const match = /^<([^>]+)>; rel="next"$/.exec(String(link))
    assert.ok(match, `unexpected Link header: ${link}`)
    return match[1]
  }

  describe('GET /users', () => {
    it('answers 200 with every user ordered by id, and no Link when nothing is left', async () => {
      const res = await get('/users')
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), created)
      assert.equal(res.headers.link, undefined)
    })

    it('answers a page of `limit` users with a Link to the next page', async () => {
      const res = await get('/users?limit=2')
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), created.slice(0, 2))
      assert.equal(nextLink(res.headers.link), `/users?limit=2&after_id=${created[1]?.id}`)
    })

    it('walks every user exactly once by following Link headers', async () => {
      const seen: UserJson[] = []
      let url: string | undefined = '/users?limit=2'
      let pages = 0
      while (url !== undefined) {
        const res = await get(url)
        assert.equal(res.statusCode, 200)
        seen.push(...res.json())
        url = nextLink(res.headers.link)
        pages++
      }
      assert.deepEqual(seen, created)
      assert.equal(pages, 3)
    })

    it('omits the Link header when the page ends exactly at the last user', async () => {
      const res = await get('/users?limit=5')
      assert.equal(res.json().length, 5)
      assert.equal(res.headers.link, undefined)
    })

    it('answers the users after `after_id`', async () => {
      const res = await get(`/users?after_id=${created[2]?.id}`)
      assert.deepEqual(res.json(), created.slice(3))
    })

    it('answers an empty array past the last id', async () => {
      const res = await get(`/users?after_id=${created[4]?.id}`)
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), [])
      assert.equal(res.headers.link, undefined)
    })

    for (const query of [
      'limit=0',
      'limit=1001',
      'limit=abc',
      'limit=-1',
      'limit=1.5',
      'limit=',
      'limit=1&limit=2',
      'after_id=0',
      'after_id=abc',
      'after_id=2147483648',
      'after_id=1e3',
      'page=2',
    ]) {
      it(`answers 400 for ?${query}`, async () => {
        assertProblem(await get(`/users?${query}`), 400)
      })
    }

    it('accepts the bounds limit=1 and limit=1000', async () => {
      assert.equal((await get('/users?limit=1')).json().length, 1)
      assert.equal((await get('/users?limit=1000')).json().length, 5)
    })
  })

  describe('GET /users/{id}', () => {
    it('answers 200 with the user', async () => {
      const user = created[3]
      const res = await get(`/users/${user?.id}`)
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), user)
    })

    it('answers 404 problem for an id no user has', async () => {
      const problem = assertProblem(await get('/users/2147483647'), 404)
      assert.equal(problem.detail, 'user 2147483647 does not exist')
    })

    for (const id of ['abc', '0', '-1', '2147483648', '99999999999', '1.5', '1e3', '0x10', '%20']) {
      it(`answers 400 for the id '${id}'`, async () => {
        assertProblem(await get(`/users/${id}`), 400)
      })
    }

    it('answers 400 for an unknown query parameter', async () => {
      assertProblem(await get(`/users/${created[0]?.id}?expand=orders`), 400)
    })
  })
})
