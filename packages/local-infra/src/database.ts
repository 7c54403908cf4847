/**
 * pg is imported on first use: the native stack's supervisor, which imports this package,
 * stays small by running these in a short-lived process of their own.
 */
async function withClient<T>(url: string, use: (client: import('pg').Client) => Promise<T>) {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

/** Creates `name` unless it exists, then returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string) {
  await withClient(adminUrl, async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [name])
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`)
  })
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Runs a script of statements (such as db/init.sql) in one round trip. */
export async function runSqlScript(url: string, sql: string) {
  await withClient(url, (client) => client.query(sql))
}
