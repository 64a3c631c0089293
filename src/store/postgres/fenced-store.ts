// The leader writes through a pool that carries its fencing token: every connection of that pool starts
// with `mcp.fence = <token>`, which the cluster area's triggers compare with the lease (cluster.ts). The
// store the app holds routes each call, when it is made, to the fenced areas while this instance leads
// and to the plain ones otherwise, so the domain never knows which pool it writes through.
import type { Sql } from 'postgres'
import type { Store } from '../ports/store.js'
import type { PgContext } from './area.js'
import { areas } from './areas.js'
import { poolGuard } from './errors.js'

export type StoreAreas = Pick<Store, 'events' | 'health' | 'streamLog' | 'audit' | 'context' | 'backup' | 'notifier' | 'agentTokens'>
const AREA_KEYS = ['events', 'health', 'streamLog', 'audit', 'context', 'backup', 'notifier', 'agentTokens'] as const

/** Every area of the port, opened on one pool (already migrated). */
export function openAreas (ctx: PgContext): StoreAreas {
  return {
    events: areas.events.open(ctx),
    health: areas.health.open(ctx),
    streamLog: areas.streamLog.open(ctx),
    audit: areas.audit.open(ctx),
    context: areas.context.open(ctx),
    backup: areas.backup.open(ctx),
    notifier: areas.notifier.open(ctx),
    agentTokens: areas.agentTokens.open(ctx),
  }
}

/** An area object whose members are looked up, at each use, on the areas `pick()` answers then. */
function routed<K extends keyof StoreAreas> (key: K, pick: () => StoreAreas): StoreAreas[K] {
  const target = () => pick()[key] as unknown as Record<string | symbol, unknown>
  return new Proxy({} as StoreAreas[K], {
    get (_t, prop) {
      const area = target()
      const v = area[prop]
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(area) : v
    },
    has: (_t, prop) => prop in target(),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_t, prop) => {
      const d = Reflect.getOwnPropertyDescriptor(target(), prop)
      return d ? { ...d, configurable: true } : undefined
    },
  })
}

export interface FenceSwitch {
  areas: StoreAreas
  /** the token the store writes under now, null when it writes unfenced */
  token (): number | null
  /**
   * Writes from now on through a pool fenced with `token` (this instance leads), or unfenced (null).
   * The previous fenced pool is closed once its queries under way finish.
   */
  fence (token: number | null): Promise<void>
  close (): Promise<void>
}

export function createFenceSwitch (plain: StoreAreas, schema: string, openFencedPool: (token: number) => Promise<Sql>, deadlineMs?: number): FenceSwitch {
  let fenced: { token: number, sql: Sql, guarded: ReturnType<typeof poolGuard>, areas: StoreAreas } | null = null
  const pick = () => fenced?.areas ?? plain
  const routedAreas = Object.fromEntries(AREA_KEYS.map((k) => [k, routed(k, pick)])) as unknown as StoreAreas
  return {
    areas: routedAreas,
    token: () => fenced?.token ?? null,
    async fence (token) {
      const old = fenced
      if (token === old?.token) return
      if (token === null) fenced = null
      else {
        const sql = await openFencedPool(token)
        const guarded = poolGuard(sql, { deadlineMs })
        fenced = { token, sql, guarded, areas: openAreas({ sql, schema, guarded }) }
      }
      if (old) { old.guarded.close(); await old.sql.end({ timeout: 5 }) }
    },
    async close () {
      const old = fenced
      fenced = null
      if (old) { old.guarded.close(); await old.sql.end({ timeout: 5 }) }
    },
  }
}
