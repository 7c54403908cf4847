import { randomUUID } from 'node:crypto'

export interface SignedUp {
  id: number
  email: string
  password: string
  token: string
  /** `Bearer <token>`, for an `authorization` header. */
  authorization: string
}

async function postJson(url: string, body: object) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  const answer = (await response.json()) as Record<string, unknown>
  if (!response.ok)
    throw new Error(`POST ${url} answered ${response.status}: ${JSON.stringify(answer)}`)
  return answer
}

/** Signs an existing user in at `baseUrl` (POST /tokens): the bootstrap admin, for one. */
export async function signIn(baseUrl: string, email: string, password: string) {
  const { access_token: token } = await postJson(`${baseUrl}/tokens`, { email, password })
  if (typeof token !== 'string') throw new Error(`POST ${baseUrl}/tokens gave no access_token`)
  return { token, authorization: `Bearer ${token}` }
}

/** Signs a new customer up at `baseUrl` (POST /users) and in (POST /tokens), over real HTTP. */
export async function signUp(
  baseUrl: string,
  {
    email = `customer-${randomUUID()}@example.com`,
    password = `pw-${randomUUID()}`,
    fullName = 'Test Customer',
  } = {},
): Promise<SignedUp> {
  const user = await postJson(`${baseUrl}/users`, { email, full_name: fullName, password })
  return { id: Number(user.id), email, password, ...(await signIn(baseUrl, email, password)) }
}
