// The PostgreSQL engine of the storage port (MCP_DATABASE_URL=postgres://…): one pool per instance,
// every table in one schema, migrations under an advisory lock at open. Several hub instances share
// one database; what must run once across them is the leader's (src/domain/cluster).
import postgres, { type Sql } from 'postgres'
import type { Store } from '../ports/store.js'
import { migrate, quoteIdent } from './migrations.js'
import { areaList } from './areas.js'
import { createFenceSwitch, openAreas } from './fenced-store.js'
import { guarded as guardedOnce, poolGuard, type Guard } from './errors.js'

export interface PostgresStoreOptions {
  url: string
  /** the schema the hub's tables live in (default `public`); tests use one schema each */
  schema?: string
  /** connections in the pool */
  poolMax?: number
  /** seconds to wait for a connection before the request is answered 503 */
  connectTimeoutSeconds?: number
  /** bound on one statement (ms), so a stuck database answers 503 instead of hanging a request */
  statementTimeoutMs?: number
  /** the leader's fencing token: every connection of the pool carries it as `mcp.fence` (cluster.ts) */
  fence?: number
}

export type PostgresStore = Store & {
  readonly sql: Sql
  readonly schema: string
  readonly applied: string[]
  /** this pool's guard: calls refused at once as unavailable while the database cannot be reached */
  readonly guarded: Guard
  /** writes through a pool fenced with the leader's token (null: unfenced); see fenced-store.ts */
  fence (token: number | null): Promise<void>
}

/** Opens a pool on `url` bound to `schema` (search_path), as every area and the cluster code use it. */
export function openPool (opts: PostgresStoreOptions): Sql {
  const schema = opts.schema ?? 'public'
  return postgres(opts.url, {
    max: opts.poolMax ?? 10,
    connect_timeout: opts.connectTimeoutSeconds ?? 5,
    idle_timeout: 60,
    // a lost database is retried soon (the driver's default waits up to 20 s before reconnecting, which
    // a request would spend waiting); each attempt that fails answers its queries 503 at once
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    onnotice: () => {},
    connection: {
      application_name: 'mcp-server',
      search_path: quoteIdent(schema),
      statement_timeout: opts.statementTimeoutMs ?? 30_000,
      ...(opts.fence !== undefined ? { 'mcp.fence': String(opts.fence) } : {}),
    },
    // BIGINT columns (seqs, epoch ms) read as numbers: every value the hub stores is below 2^53
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number | bigint) => String(x), parse: (x: string) => Number(x) },
    },
  })
}

export async function createPostgresStore (opts: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = opts.schema ?? 'public'
  const sql = openPool(opts)
  let applied: string[]
  try {
    applied = await guardedOnce(() => migrate(sql, schema, areaList))
  } catch (err) {
    await sql.end({ timeout: 1 })
    throw err
  }
  stopTypeFetches(sql)
  const guarded = poolGuard(sql, { deadlineMs: deadlineOf(opts) })
  const fences = createFenceSwitch(openAreas({ sql, schema, guarded }), schema, async (token) => {
    const fenced = openPool({ ...opts, fence: token })
    await guarded(() => fenced`SELECT 1`)
    stopTypeFetches(fenced)
    return fenced
  }, deadlineOf(opts))
  return {
    engine: 'postgres',
    sql,
    schema,
    applied,
    guarded,
    ...fences.areas,
    fence: fences.fence,
    async ping () {
      await guarded(() => sql`SELECT 1`)
    },
    async close () {
      guarded.close()
      await fences.close()
      await sql.end({ timeout: 5 })
    },
  }
}

/**
 * Call once the pool has answered a query (its array types are known then, shared by its connections):
 * new connections stop fetching them again. The driver fetches them on every new connection outside
 * any query's promise, so a connection killed during that fetch (pg_terminate_backend, a restart) would
 * end in an unhandled rejection, which ends the process.
 */
export function stopTypeFetches (sql: Sql) {
  (sql.options as { fetch_types: boolean }).fetch_types = false
}

/** How long a call may wait inside the driver: a connect timeout, a statement timeout, and a second. */
export const deadlineOf = (opts: PostgresStoreOptions) => (opts.connectTimeoutSeconds ?? 5) * 1000 + (opts.statementTimeoutMs ?? 30_000) + 1000

/** The URL with its password masked, for logs. */
export function redactUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'postgres://(unparsable url)'
  }
}
