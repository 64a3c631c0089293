// Who leads: the instance holding the lease runs the jobs that must run once (probes, alerts and the
// outbox, retention, audit checkpoints). It renews the lease every third of its length; a renewal that
// fails, or no renewal before the lease would end by this process's clock, demotes it at once. Followers
// try to take the lease at the same pace, so a dead leader is replaced within the lease plus a third.
// No Fastify and no SQL here: the lease is a function the store provides.

export type Role = 'leader' | 'follower'

export interface LeadershipOptions {
  /** how long a lease lasts (ms) */
  leaseMs: number
  /** takes or renews the lease; answers the fencing token, or null when another instance holds it */
  acquire (): Promise<number | null>
  /** ends this instance's lease (clean shutdown) */
  release (): Promise<void>
  /** this instance leads with `token`: start the leader-only jobs (the fenced writes first) */
  onLead (token: number): Promise<void>
  /** this instance no longer leads: stop the leader-only jobs, then write unfenced */
  onFollow (): Promise<void>
  log: { info (o: object, m: string): void, warn (o: object, m: string): void, error (o: object, m: string): void }
  now?: () => number
}

export interface LeadershipState { role: Role, token: number | null, since: number, changes: number }

export function createLeadership (o: LeadershipOptions) {
  const now = o.now ?? (() => performance.now())
  const wall = Date.now
  const state: LeadershipState = { role: 'follower', token: null, since: wall(), changes: 0 }
  let timer: NodeJS.Timeout | null = null
  let watchdog: NodeJS.Timeout | null = null
  let stopped = false
  /** transitions run one after the other */
  let chain: Promise<void> = Promise.resolve()

  const serially = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err) => o.log.error({ err }, 'leadership change failed'))
    return chain
  }

  function demote (why: string) {
    if (state.role !== 'leader') return chain
    o.log.warn({ token: state.token, why }, 'no longer the leader: leader-only jobs stop')
    // the role changes at once; the jobs stop in order behind it
    state.role = 'follower'
    state.token = null
    state.since = wall()
    state.changes++
    if (watchdog) { clearTimeout(watchdog); watchdog = null }
    return serially(() => o.onFollow())
  }

  function promote (token: number) {
    state.role = 'leader'
    state.token = token
    state.since = wall()
    state.changes++
    o.log.info({ token }, 'this instance leads: leader-only jobs start')
    return serially(() => o.onLead(token))
  }

  async function attempt () {
    const started = now()
    let token: number | null
    try {
      token = await o.acquire()
    } catch (err) {
      o.log.warn({ err }, 'leader lease: could not reach the database')
      await demote('the lease could not be renewed')
      return
    }
    if (stopped) return
    if (token === null) { await demote('another instance holds the lease'); return }
    // the lease runs until started + leaseMs on our clock at the latest: demote before then unless renewed
    if (watchdog) clearTimeout(watchdog)
    watchdog = setTimeout(() => { void demote('the lease ran out before it was renewed') }, Math.max(0, started + o.leaseMs - now()))
    watchdog.unref()
    if (state.role === 'leader' && state.token === token) return
    if (state.role === 'leader') await demote('the lease was taken again under a new token')
    await promote(token)
  }

  let running: Promise<void> | null = null
  function tick () {
    if (stopped || running) return
    running = attempt().finally(() => { running = null })
  }

  return {
    state: (): Readonly<LeadershipState> => ({ ...state }),
    isLeader: () => state.role === 'leader',
    /** Takes part in the election: a first attempt now, then every third of the lease. */
    async start () {
      stopped = false
      timer = setInterval(tick, Math.max(100, Math.floor(o.leaseMs / 3)))
      timer.unref()
      tick()
      await running
      await chain
    },
    /** Leaves the election: the jobs stop, then the lease is released so another instance takes over now. */
    async stop () {
      stopped = true
      if (timer) clearInterval(timer)
      await running
      const wasLeader = state.role === 'leader'
      await demote('the hub is closing')
      await chain
      if (wasLeader) await o.release().catch((err) => o.log.warn({ err }, 'leader lease: release failed'))
    },
  }
}

export type Leadership = ReturnType<typeof createLeadership>
