// The audit trail: decorates `audit` (the hash-chained trail, checkpoints and verification) and is the
// one place a request's caller becomes an audit actor: the auth guards set `req.actor`; actorOf and
// contextOf read it for every feature. Admin changes are audited here, through record and change,
// called by the routes.
import fp from 'fastify-plugin'
import { isDomainError, type DomainError } from '../../domain/shared/errors.js'
import type { FastifyRequest } from 'fastify'
import { createAuditService, SYSTEM_ACTOR, type AuditContext, type AuditService } from '../../domain/audit/audit-trail.js'
import { loadSigningKey, loadTrustedKeys } from '../../domain/audit/adapters/key-files.js'
import type { AuditActor, AuditEntry, AuditTarget, Outcome } from '../../domain/audit/hash-chain.js'
import { FailureDigest, type FailureSummary } from '../../domain/auth/failure-digest.js'

/** How `change` audits: what the entry holds and which refusals are recorded. */
export interface ChangeOptions<T> {
  /** the entry's metadata; a function gets the change's result (undefined when it was refused) */
  metadata?: Record<string, unknown> | ((result: T | undefined) => Record<string, unknown>)
  /** which refusals get a failure entry; by default every DomainError but an outage (`unavailable`) */
  recordsFailure?: (err: DomainError) => boolean
}

type Target<T> = AuditTarget | null | ((result: T | undefined) => AuditTarget | null)

type Audit = Omit<AuditService, 'recordFor'> & {
  /**
   * Records an admin change made through `req`: the actor is the authenticated caller (req.actor),
   * the hub itself when there is none. Resolves once the entry is committed.
   */
  record (req: FastifyRequest, action: string, target: AuditTarget | null, outcome: Outcome, metadata?: Record<string, unknown>, reason?: string | null): Promise<AuditEntry>
  recordFor: AuditService['recordFor']
  /**
   * Runs an admin change and audits it: success once it is done, failure (with the reason) when it is
   * refused. The change is answered only after its entry is committed. The target may depend on the
   * result (an id the change chose), as may the metadata.
   */
  change<T> (req: FastifyRequest, action: string, target: Target<T>, run: () => Promise<T>, opts?: ChangeOptions<T>): Promise<T>
  /** who is calling, as an audit actor: req.actor as the auth guard set it, the hub itself when none */
  actorOf (req: FastifyRequest): AuditActor
  /** the context of a request: who authenticated, from where, which request */
  contextOf (req: FastifyRequest): AuditContext
}

declare module 'fastify' {
  interface FastifyInstance { audit: Audit }
}

const notAnOutage = (err: DomainError) => err.kind !== 'unavailable'

export default fp(async (app) => {
  const { config, store, bus } = app
  const signingKey = loadSigningKey(config.auditSigningKey, config.dataDir)
  if (signingKey.generated) app.log.warn({ file: signingKey.source, keyId: signingKey.keyId }, 'generated the audit signing key (mode 0600); back it up apart from the data')
  else app.log.info({ source: signingKey.source === 'env' ? 'MCP_AUDIT_SIGNING_KEY' : signingKey.source, keyId: signingKey.keyId }, 'audit signing key loaded')
  const trustedKeys = loadTrustedKeys(config.dataDir, signingKey)

  const service = createAuditService({
    store,
    bus,
    signingKey,
    trustedKeys,
    maxBatch: config.auditMaxBatch,
    metadataMaxBytes: config.auditMetadataMaxBytes,
    checkpointEvery: config.auditCheckpointEvery,
    // the log line is a witness outside the database: keep these lines to catch a truncated tail
    onCheckpoint: (seq, hash) => app.log.info({ auditCheckpoint: { seq, hash, keyId: signingKey.keyId } }, 'audit checkpoint signed'),
    onError: (err, what) => app.log.error({ err }, `${what} failed`),
  })
  await service.init()

  const contextOf = (req: FastifyRequest): AuditContext => ({
    submittedBy: req.actor ? `${req.actor.type}:${req.actor.id}` : 'system',
    clientIp: req.ip ?? null,
    requestId: String(req.id),
  })
  const actorOf = (req: FastifyRequest): AuditActor => req.actor
    ? { type: req.actor.type, id: req.actor.id, name: req.actor.name ?? null, onBehalfOf: null }
    : SYSTEM_ACTOR

  const record: Audit['record'] = (req, action, target, outcome, metadata = {}, reason = null) =>
    service.recordFor(actorOf(req), action, target, outcome, contextOf(req), metadata, reason)

  app.decorate('audit', {
    ...service,
    actorOf,
    contextOf,
    record,
    async change<T> (req: FastifyRequest, action: string, target: Target<T>, run: () => Promise<T>, opts: ChangeOptions<T> = {}) {
      const { metadata = {}, recordsFailure = notAnOutage } = opts
      const entry = (result: T | undefined) => ({
        target: typeof target === 'function' ? target(result) : target,
        metadata: typeof metadata === 'function' ? metadata(result) : metadata,
      })
      let out: T
      try {
        out = await run()
      } catch (err) {
        // a refusal (bad input, unknown id, conflict) is worth a failure entry; an outage is not the caller's doing
        if (isDomainError(err) && recordsFailure(err)) {
          const e = entry(undefined)
          await record(req, action, e.target, 'failure', e.metadata, err.message)
        }
        throw err
      }
      const e = entry(out)
      await record(req, action, e.target, 'success', e.metadata)
      return out
    },
  } satisfies Audit)

  // Failed logins are the hub's own observation (actor system), aggregated: one entry per client
  // address and window (MCP_AUTH_AUDIT_WINDOW_MS) with the count, written when the window ends and on
  // close. A challenge without credentials is not published at all.
  const pending = new Set<Promise<unknown>>()
  const digest = new FailureDigest({ windowMs: config.authAuditWindowMs })
  const recordFailures = (s: FailureSummary) => {
    const { ip, firstRequestId, routes, ...counts } = s
    const done = service.recordFor(SYSTEM_ACTOR, 'auth.login_failed', { type: 'route', id: routes[0] ?? '' }, 'denied',
      { submittedBy: 'system', clientIp: ip, requestId: firstRequestId }, { ...counts, routes, windowMs: config.authAuditWindowMs },
      `${s.count} failed login${s.count === 1 ? '' : 's'}${s.locked ? ` (${s.locked} while locked out)` : ''}`)
      .catch((err) => app.log.error({ err }, 'could not audit failed logins'))
      .finally(() => pending.delete(done))
    pending.add(done)
  }
  const unsubscribe = bus.subscribe('auth.failed', (p) => digest.add(p))
  const digestTimer = setInterval(() => { for (const s of digest.due()) recordFailures(s) }, Math.min(1000, Math.max(25, config.authAuditWindowMs / 4)))
  digestTimer.unref()

  // A valid token of an agent that is not active: the agent's own refused attempt.
  const unsubscribeRefused = bus.subscribe('auth.agent_refused', (p) => {
    const done = service.recordFor({ type: 'agent', id: p.agent.id, name: p.agent.name, onBehalfOf: null }, 'mcp.access_denied', { type: 'route', id: p.route }, 'denied',
      { submittedBy: `agent:${p.agent.id}`, clientIp: p.ip, requestId: p.requestId }, { tokenId: p.tokenId, agentStatus: p.agent.status }, `agent is ${p.agent.status}`)
      .catch((err) => app.log.error({ err }, 'could not audit a refused agent'))
      .finally(() => pending.delete(done))
    pending.add(done)
  })

  // the timed checkpoint is the leader's job (several instances on one database)
  const timer = setInterval(() => { if (app.cluster.isLeader()) void service.checkpoint() }, config.auditCheckpointSeconds * 1000)
  timer.unref()
  // a clean shutdown leaves the tail signed
  app.addHook('preClose', async () => {
    unsubscribe()
    unsubscribeRefused()
    clearInterval(timer)
    clearInterval(digestTimer)
    for (const s of digest.drain()) recordFailures(s)
    await Promise.all(pending)
    await service.checkpoint()
  })
}, { name: 'audit', dependencies: ['config', 'store', 'cluster', 'bus'] })
