// Several instances on one PostgreSQL database: decorates `app.cluster` with who leads, the hooks the
// leader-only jobs start and stop by, and the notifications that keep every instance's view shared
// (definition changes, new stream rows). On SQLite there is one process: it always leads, token 1.
import fp from 'fastify-plugin'
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { createLeadership, type Role } from '../../domain/cluster/leadership.js'
import { CHANGES_CHANNEL, STREAM_CHANNEL, openLeaseStore } from '../../store/postgres/cluster.js'
import type { PostgresStore } from '../../store/postgres/postgres-store.js'

export interface ChangeNotice { area: 'health' | 'notifier' | 'alert', kind?: string, id: string }
interface StreamNotice { kind: string, from: number, to: number }
type Lead = (token: number, reload: boolean) => Promise<void> | void

export interface Cluster {
  engine: 'sqlite' | 'postgres'
  /** this instance's name in the lease: host, pid and a random part */
  holder: string
  leaseMs: number
  role (): Role
  token (): number | null
  isLeader (): boolean
  stats (): { role: Role, leaderToken: number | null, since: number, changes: number }
  /** `fn` runs when this instance starts leading (at once if it already does); `reload`: other instances may have written */
  onLead (fn: Lead): void
  /** `fn` runs when this instance stops leading; the store writes unfenced once every one has finished */
  onFollow (fn: () => Promise<void> | void): void
  /** a definition stored by any instance (this one included) */
  onChange (fn: (c: ChangeNotice) => void): () => void
  /** rows of a stream kind (seqs from..to) committed by any instance; null on SQLite (the bus carries them) */
  onStream: ((kind: string, fn: (from: number, to: number) => void) => () => void) | null
}

declare module 'fastify' {
  interface FastifyInstance { cluster: Cluster }
}

function listeners<T> () {
  const set = new Set<(x: T) => void>()
  return { add: (fn: (x: T) => void) => { set.add(fn); return () => { set.delete(fn) } }, emit: (x: T) => { for (const fn of set) fn(x) } }
}

export default fp(async (app) => {
  const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  const leaseMs = app.config.leaderLeaseMs
  const leads: Lead[] = []
  const follows: Array<() => Promise<void> | void> = []
  const changes = listeners<ChangeNotice>()
  const streams = listeners<StreamNotice>()

  if (app.store.engine !== 'postgres') {
    app.decorate('cluster', {
      engine: 'sqlite',
      holder,
      leaseMs,
      role: () => 'leader',
      token: () => 1,
      isLeader: () => true,
      stats: () => ({ role: 'leader', leaderToken: 1, since: 0, changes: 0 }),
      onLead: (fn) => { void fn(1, false) },
      onFollow: (fn) => { follows.push(fn) },
      onChange: changes.add,
      onStream: null,
    } satisfies Cluster)
    return
  }

  const store = app.store as PostgresStore
  const lease = openLeaseStore({ sql: store.sql, schema: store.schema, guarded: store.guarded })
  const log = app.log.child({ module: 'cluster' })
  const leadership = createLeadership({
    leaseMs,
    acquire: () => lease.acquire(holder, leaseMs),
    release: () => lease.release(holder),
    async onLead (token) {
      await store.fence(token)
      for (const fn of leads) await fn(token, true)
    },
    async onFollow () {
      for (const fn of follows) await fn()
      await store.fence(null)
    },
    log,
  })

  const parse = (payload: string): unknown => { try { return JSON.parse(payload) } catch { return null } }
  const changed = await store.sql.listen(CHANGES_CHANNEL, (payload) => {
    const c = parse(payload) as ChangeNotice | null
    if (c && typeof c.id === 'string') changes.emit(c)
  })
  const streamed = await store.sql.listen(STREAM_CHANNEL, (payload) => {
    const n = parse(payload) as StreamNotice | null
    if (n && typeof n.kind === 'string' && Number.isSafeInteger(n.from) && Number.isSafeInteger(n.to)) streams.emit(n)
  })

  app.decorate('cluster', {
    engine: 'postgres',
    holder,
    leaseMs,
    role: () => leadership.state().role,
    token: () => leadership.state().token,
    isLeader: leadership.isLeader,
    stats: () => { const s = leadership.state(); return { role: s.role, leaderToken: s.token, since: s.since, changes: s.changes } },
    onLead: (fn) => { leads.push(fn) },
    onFollow: (fn) => { follows.push(fn) },
    onChange: changes.add,
    onStream: (kind, fn) => streams.add((n) => { if (n.kind === kind) fn(n.from, n.to) }),
  } satisfies Cluster)

  // every plugin has added its hooks by then: the election starts with the app
  app.addHook('onReady', async () => { await leadership.start() })
  // first of the closing hooks (registered before the features): the jobs stop, the lease goes to another instance
  app.addHook('preClose', async () => {
    await leadership.stop()
    await changed.unlisten().catch(() => {})
    await streamed.unlisten().catch(() => {})
  })
}, { name: 'cluster', dependencies: ['config', 'store'] })
