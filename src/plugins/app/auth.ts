// Who may do what: Basic auth for admins (constant-time; failed logins lock out per address and per
// user, see domain/auth/login-lockout.ts), bearer tokens for services (MCP_INGEST_TOKENS) and agents (minted per agent, for /mcp). Each route says who may call it with its `auth` option; one
// onRoute hook below turns that into the route's guard and its OpenAPI `security`, so what the
// document says is what is enforced. The guards turn the caller into `req.actor`, once per request.
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import basicAuth from '@fastify/basic-auth'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { hookList } from '../../http/route-hooks.js'
import type { Scope } from '../../domain/mcp/scopes.js'
import { LoginLockout } from '../../domain/auth/login-lockout.js'
import { redisFailureSync } from '../../domain/auth/adapters/redis-failure-sync.js'
import { resolveAdminPassword } from '../../domain/auth/adapters/admin-password-file.js'
import type { FailedLogin } from '../../domain/auth/failure-digest.js'
import { ErrorRef, ErrorResponse } from '../../schemas/common.js'

/**
 * Who may call a route:
 * - `admin`: Basic auth (the admin user);
 * - `adminOrToken`: Basic auth or a bearer token from MCP_INGEST_TOKENS, never anonymous;
 * - `ingest`: a bearer token when MCP_INGEST_TOKENS is set, anyone otherwise (and then no hook at all);
 * - `agent`: an agent's bearer token (its agent active in the registry) or Basic auth, never anonymous;
 * - `public`: anyone.
 */
export type AuthLevel = 'admin' | 'adminOrToken' | 'ingest' | 'agent' | 'public'
export const AUTH_LEVELS: readonly AuthLevel[] = ['admin', 'adminOrToken', 'ingest', 'agent', 'public']

/** The authenticated caller: the admin (user), a service's token or an agent's token. */
export interface Actor {
  type: 'user' | 'agent' | 'service'
  id: string
  name?: string
  /** what an agent's token allows (see domain/mcp/scopes.ts); the admin (type user) may do everything */
  scopes?: readonly Scope[]
  /** the agent token the call came with */
  tokenId?: string
}

declare module '../../domain/shared/bus.js' {
  interface BusTopics {
    /** a refused login or token, not a challenge without credentials (the audit plugin aggregates it) */
    'auth.failed': FailedLogin
    /** a valid agent token whose agent is not active (the audit plugin records it) */
    'auth.agent_refused': { agent: { id: string, name: string, status: string }, tokenId: string, ip: string, route: string, requestId: string }
  }
}

declare module 'fastify' {
  interface RouteShorthandOptions {
    /** who may call this route; every route of ours declares it (see the auth plugin) */
    auth?: AuthLevel
  }
  interface FastifyInstance {
    auth: {
      /** who is locked out of logging in (per process) */
      lockout: LoginLockout
      /**
       * Declares who may call the routes that an ecosystem plugin (Swagger UI, @fastify/static) registers
       * in `scope` and its children: those plugins cannot pass our `auth` option. Call it on an
       * encapsulated scope before registering the plugin there; a route's own option still wins.
       */
      scopeDefault (scope: FastifyInstance, level: AuthLevel): void
    }
  }
  interface FastifyRequest {
    /** who is calling, set by the route's guard; absent on public routes and open ingest */
    actor?: Actor
  }
}

const jsonError = (description: string) => ({ description, content: { 'application/json': { schema: ErrorRef } } })
/** what a guard answers, on every route that has one */
const GUARD_RESPONSES = {
  401: jsonError('No credentials (a challenge, with WWW-Authenticate) or wrong ones'),
  429: jsonError('Too many failed logins from this address or for this user, or over the rate limit; see Retry-After'),
}

/** where a scope keeps its default level (a decoration, so child scopes inherit it) */
const kScopeAuth = Symbol('auth.scopeDefault')

const digest = (s: string) => createHash('sha256').update(s).digest()
/** Constant-time equality: both sides hashed to the same length first. */
const sameSecret = (given: string, expected: Buffer) => timingSafeEqual(digest(given), expected)

export default fp(async (app) => {
  const { config, bus } = app
  const { createError } = app.httpErrors
  // the guards' answers refer to the Error model (the app adds it; an app of a few plugins may not)
  if (app.getSchema('Error') === undefined) app.addSchema(ErrorResponse)
  const admin = resolveAdminPassword(config.adminPassword, config.dataDir)
  if (admin.generated) app.log.warn({ file: admin.file, user: config.adminUser }, 'no MCP_ADMIN_PASSWORD set: generated an admin password and saved it in this file (mode 0600)')
  else if (admin.file) app.log.info({ file: admin.file }, 'admin password read from the data dir')
  const userHash = digest(config.adminUser)
  const passHash = digest(admin.password)
  const tokens = config.ingestTokens.map((t) => ({ hash: digest(t), id: 'token-' + digest(t).toString('hex').slice(0, 8) }))

  // with Redis, the instances share their failure counts (domain/auth/adapters/redis-failure-sync.ts)
  const sync = app.redis
    ? redisFailureSync({ redis: app.redis, prefix: config.redisPrefix, onError: (err) => app.log.warn({ err: err.message }, 'redis: failed logins are counted per instance until it answers again') })
    : undefined
  if (sync) app.addHook('onClose', async () => { sync.close() })
  const lockout = new LoginLockout({
    sync,
    addressMax: config.loginFailureMax,
    userMax: config.loginUserFailureMax,
    tokenMax: config.tokenFailureMax,
    windowMs: config.loginFailureWindowMs,
    knownAddressMs: config.loginKnownAddressMs,
  })
  // in step with the other instances before the first request (a Redis that is down does not hold the start)
  if (sync && app.redis?.status === 'ready' && !(await sync.subscribed(5_000))) app.log.warn('redis: not subscribed to the shared login counters yet; counting locally until it is')
  const route = (req: FastifyRequest) => req.routeOptions.url ?? req.url

  function failed (req: FastifyRequest, scheme: FailedLogin['scheme'], user: string | null, locked: boolean) {
    bus.publish('auth.failed', { ip: req.ip, user, route: route(req), scheme, locked, requestId: String(req.id) })
  }

  /** 429 while `retryMs` > 0; the refused attempt reaches the audit summary too */
  function refuseIfLocked (req: FastifyRequest, retryMs: number, scheme: FailedLogin['scheme'], user: string | null) {
    if (retryMs <= 0) return
    failed(req, scheme, user, true)
    const seconds = Math.max(1, Math.ceil(retryMs / 1000))
    throw createError(429, `too many failed logins; retry in ${seconds} s`, { headers: { 'retry-after': String(seconds) } })
  }

  await app.register(basicAuth, {
    authenticate: { realm: 'MCP Server' },
    async validate (user: string, password: string, req: FastifyRequest) {
      // evaluate both comparisons so timing does not tell which one failed
      const okUser = sameSecret(user, userHash)
      const okPass = sameSecret(password, passHash)
      // Every name is counted per user, so that a 429 does not tell a real user name from a guess;
      // by its digest, so that long names cost little. Only a real user's name reaches the trail
      // (a password typed as the name must not).
      const userKey = digest(user).toString('base64url')
      const named = okUser ? user : null
      refuseIfLocked(req, lockout.basicRetryMs(req.ip, userKey), 'basic', named)
      if (!(okUser && okPass)) {
        lockout.basicFailed(req.ip, userKey)
        failed(req, 'basic', named, false)
        throw createError(401, 'invalid credentials')
      }
      lockout.basicSucceeded(req.ip, userKey)
      req.actor = { type: 'user', id: user }
    },
  })

  /** credentials of some kind: anything but a missing or blank Authorization header */
  const hasCredentials = (req: FastifyRequest) => typeof req.headers.authorization === 'string' && req.headers.authorization.trim() !== ''

  const basic = app.basicAuth
  const adminGuard = (req: FastifyRequest, reply: FastifyReply) => new Promise<void>((resolve, reject) => {
    basic.call(app, req, reply, (err?: Error) => {
      if (!err) return resolve()
      const e = err as Error & { statusCode?: number }
      // no credentials: a challenge, neither counted nor audited; a malformed header or another scheme
      // is a failed login of this address
      // (a bearer token where only Basic auth is accepted counts as a failed token)
      if (e.statusCode === 401 && e.message !== 'invalid credentials' && hasCredentials(req)) {
        const isBearer = bearer(req) !== undefined
        try {
          refuseIfLocked(req, isBearer ? lockout.tokenRetryMs(req.ip) : lockout.basicRetryMs(req.ip, null), isBearer ? 'bearer' : 'basic', null)
        } catch (locked) {
          return reject(locked)
        }
        if (isBearer) lockout.tokenFailed(req.ip)
        else lockout.basicFailed(req.ip, null)
        failed(req, isBearer ? 'bearer' : 'basic', null, false)
      }
      reject(err)
    })
  })

  const BEARER_CHALLENGE = 'Bearer realm="MCP Server"'
  function bearer (req: FastifyRequest): string | undefined {
    const h = req.headers.authorization
    if (typeof h !== 'string') return undefined
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h)
    return m ? m[1] : undefined
  }

  function matchToken (given: string): string | undefined {
    const h = digest(given)
    let found: string | undefined
    for (const t of tokens) if (timingSafeEqual(h, t.hash)) found = t.id // no early exit: constant time over the list
    return found
  }

  async function tokenGuard (req: FastifyRequest) {
    // no credentials: a challenge, neither counted nor audited
    if (!hasCredentials(req)) throw createError(401, 'a bearer token is required', { headers: { 'www-authenticate': BEARER_CHALLENGE } })
    refuseIfLocked(req, lockout.tokenRetryMs(req.ip), 'bearer', null)
    const given = bearer(req)
    const id = given ? matchToken(given) : undefined
    if (!id) {
      lockout.tokenFailed(req.ip)
      failed(req, 'bearer', null, false)
      throw createError(401, given ? 'invalid bearer token' : 'a bearer token is required', { headers: { 'www-authenticate': BEARER_CHALLENGE } })
    }
    req.actor = { type: 'service', id }
  }

  /**
   * An agent's token, or the admin. No credentials is a challenge, not a failed login (nothing is
   * counted or audited); a wrong, revoked or expired token is a failed login; a valid token of an agent
   * that is not active is refused with 403, and audited as the agent.
   */
  async function agentGuard (req: FastifyRequest, reply: FastifyReply) {
    const given = bearer(req)
    if (given === undefined) {
      if (typeof req.headers.authorization === 'string' && /^Basic\s/i.test(req.headers.authorization)) return adminGuard(req, reply)
      throw createError(401, "this endpoint needs an agent's bearer token (Authorization: Bearer mcp_…) or the admin's Basic credentials",
        { headers: { 'www-authenticate': BEARER_CHALLENGE } })
    }
    refuseIfLocked(req, lockout.tokenRetryMs(req.ip), 'bearer', null)
    const v = await app.agentTokens.verify(given)
    if (!v.ok) {
      lockout.tokenFailed(req.ip)
      failed(req, 'bearer', null, false)
      const why = v.refusal === 'invalid' ? 'invalid bearer token' : `this token is ${v.refusal}`
      throw createError(401, why, { headers: { 'www-authenticate': `${BEARER_CHALLENGE}, error="invalid_token", error_description="${why}"` } })
    }
    const { agent, token } = v
    if (agent.status !== 'active') {
      bus.publish('auth.agent_refused', { agent: { id: agent.id, name: agent.name, status: agent.status }, tokenId: token.id, ip: req.ip, route: route(req), requestId: req.id })
      throw createError(403, `agent ${agent.id} is ${agent.status}: its tokens are refused until an admin makes it active again`)
    }
    req.actor = { type: 'agent', id: agent.id, name: agent.name, scopes: token.scopes, tokenId: token.id }
  }

  /**
   * A guard as an onRequest hook. A guard runs before the route's security-headers hook (an anonymous
   * caller learns nothing), so its refusals (401, 403, 429) get the headers here, as every other answer
   * of the hub does.
   */
  const guardHook = (guard: (req: FastifyRequest, reply: FastifyReply) => Promise<void>): onRequestAsyncHookHandler =>
    async function (req, reply) {
      try {
        await guard(req, reply)
      } catch (err) {
        await app.securityHeaders(req, reply)
        throw err
      }
    }
  const adminHook = guardHook(adminGuard)
  const tokenHook = guardHook(tokenGuard)
  const adminOrTokenHook = guardHook(async (req, reply) => {
    if (bearer(req) !== undefined && tokens.length > 0) return tokenGuard(req)
    await adminGuard(req, reply)
  })
  const agentHook = guardHook(agentGuard)
  /** the onRequest hooks of each level: none for public routes, nor for ingest while it is open */
  const GUARDS: Record<AuthLevel, onRequestAsyncHookHandler[]> = {
    admin: [adminHook],
    adminOrToken: [adminOrTokenHook],
    ingest: tokens.length > 0 ? [tokenHook] : [],
    agent: [agentHook],
    public: [],
  }
  /** the OpenAPI security requirements of each level (public routes have none) */
  const SECURITY: Record<AuthLevel, Array<Record<string, string[]>> | undefined> = {
    admin: [{ basicAuth: [] }],
    adminOrToken: [{ basicAuth: [] }, ...(tokens.length > 0 ? [{ bearerAuth: [] }] : [])],
    // an empty list documents that open ingest needs no credentials
    ingest: tokens.length > 0 ? [{ bearerAuth: [] }] : [],
    agent: [{ bearerAuth: [] }, { basicAuth: [] }],
    public: undefined,
  }

  // The rule: every route registered after this plugin declares who may call it, or the app does not
  // start. Our route plugins (src/routes/*) give each route an `auth` option. Routes added by an
  // ecosystem plugin cannot carry one: the scope we register that plugin in declares their level with
  // app.auth.scopeDefault (Swagger UI in routes/docs.ts: public; the dashboard's static files in
  // plugins/app/dashboard.ts: admin). The ecosystem plugins of src/plugins/external are registered
  // before this one; the only route among them, @fastify/cors's preflight (OPTIONS *), answers with
  // CORS headers only. Fastify's HEAD routes copy their GET route's options, `auth` included.
  app.addHook('onRoute', function (this: FastifyInstance, route) {
    const level = route.auth ?? (this as unknown as { [kScopeAuth]?: AuthLevel })[kScopeAuth]
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method
    if (level === undefined) throw new Error(`route ${method} ${route.url} declares no auth option: give it auth: ${AUTH_LEVELS.map((l) => `'${l}'`).join(' | ')}`)
    if (!AUTH_LEVELS.includes(level)) throw new Error(`route ${method} ${route.url}: unknown auth '${String(level)}' (one of ${AUTH_LEVELS.join(', ')})`)
    // first, before security headers, rate limiting and validation: an anonymous caller learns nothing
    if (GUARDS[level].length > 0) route.onRequest = [...GUARDS[level], ...hookList(route.onRequest)]
    const security = SECURITY[level]
    // a new schema object: route options may share one (a GET and its HEAD do). The guard's refusals
    // are documented as what they are, JSON errors, even where the route's own answer is not JSON
    // (an NDJSON export): a route-level `produces` would otherwise give them its content type.
    if (security) route.schema = { ...route.schema, security, response: { ...(route.schema?.response ?? { '2xx': { description: "the route's answer" } }), ...GUARD_RESPONSES } }
  })

  app.decorate('auth', {
    lockout,
    scopeDefault (scope: FastifyInstance, level: AuthLevel) {
      if (!AUTH_LEVELS.includes(level)) throw new Error(`unknown auth '${String(level)}' (one of ${AUTH_LEVELS.join(', ')})`)
      scope.decorate(kScopeAuth, level)
    },
  })
}, { name: 'auth', dependencies: ['config', 'redis', 'bus', 'sensible', 'helmet', 'agent-tokens'] })
