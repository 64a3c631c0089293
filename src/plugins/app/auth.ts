// Who may do what: Basic auth for admins (constant-time, failed attempts rate limited per address),
// bearer tokens for services (MCP_INGEST_TOKENS) and agents (minted per agent, for /mcp). Each route says who may call it with its `auth` option; one
// onRoute hook below turns that into the route's guard and its OpenAPI `security`, so what the
// document says is what is enforced. The guards turn the caller into `req.actor`, once per request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs'
import { join, resolve } from 'node:path'
import fp from 'fastify-plugin'
import basicAuth from '@fastify/basic-auth'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { hookList } from '../../http/route-hooks.js'
import type { Scope } from '../../domain/mcp/scopes.js'

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
    /** a refused login or token (the audit plugin records it) */
    'auth.failed': { ip: string, user: string | null, route: string, requestId: string }
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

/** where a scope keeps its default level (a decoration, so child scopes inherit it) */
const kScopeAuth = Symbol('auth.scopeDefault')

const digest = (s: string) => createHash('sha256').update(s).digest()
/** Constant-time equality: both sides hashed to the same length first. */
const sameSecret = (given: string, expected: Buffer) => timingSafeEqual(digest(given), expected)

/** Reads the admin password from config, or from the data dir, generating it on first start. */
export function resolveAdminPassword (configured: string | undefined, dataDir: string): { password: string, file?: string, generated: boolean } {
  if (configured) return { password: configured, generated: false }
  const file = resolve(join(dataDir, 'admin-password'))
  if (existsSync(file)) return { password: readFileSync(file, 'utf8').trim(), file, generated: false }
  mkdirSync(dataDir, { recursive: true })
  const password = randomBytes(18).toString('base64url')
  writeFileSync(file, password + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return { password, file, generated: true }
}

export default fp(async (app) => {
  const { config, bus } = app
  const { createError } = app.httpErrors
  const admin = resolveAdminPassword(config.adminPassword, config.dataDir)
  if (admin.generated) app.log.warn({ file: admin.file, user: config.adminUser }, 'no MCP_ADMIN_PASSWORD set: generated an admin password and saved it in this file (mode 0600)')
  else if (admin.file) app.log.info({ file: admin.file }, 'admin password read from the data dir')
  const userHash = digest(config.adminUser)
  const passHash = digest(admin.password)
  const tokens = config.ingestTokens.map((t) => ({ hash: digest(t), id: 'token-' + digest(t).toString('hex').slice(0, 8) }))

  // Failed logins per client address, through @fastify/rate-limit's store (shared with Redis when configured).
  const loginFailures = app.createRateLimit({
    max: config.loginFailureMax,
    timeWindow: config.loginFailureWindowMs,
    keyGenerator: (req: FastifyRequest) => 'login-failure:' + req.ip,
  })

  async function refuseIfLockedOut (req: FastifyRequest) {
    const state = await loginFailures(req, { increment: false })
    if (!state.isAllowed && state.remaining <= 0) {
      throw createError(429, `too many failed logins from this address; retry in ${state.ttlInSeconds} s`, { headers: { 'retry-after': String(state.ttlInSeconds) } })
    }
  }

  async function recordFailure (req: FastifyRequest, user: string | null) {
    await loginFailures(req)
    bus.publish('auth.failed', { ip: req.ip, user, route: req.routeOptions.url ?? req.url, requestId: req.id })
  }

  await app.register(basicAuth, {
    authenticate: { realm: 'MCP Server' },
    async validate (user: string, password: string, req: FastifyRequest) {
      await refuseIfLockedOut(req)
      // evaluate both comparisons so timing does not tell which one failed
      const okUser = sameSecret(user, userHash)
      const okPass = sameSecret(password, passHash)
      if (!(okUser && okPass)) {
        await recordFailure(req, user)
        throw createError(401, 'invalid credentials')
      }
      req.actor = { type: 'user', id: user }
    },
  })

  const basic = app.basicAuth
  const adminGuard = (req: FastifyRequest, reply: FastifyReply) => new Promise<void>((resolve, reject) => {
    basic.call(app, req, reply, (err?: Error) => {
      if (!err) return resolve()
      const e = err as Error & { statusCode?: number, headers?: Record<string, string> }
      if (e.statusCode === 401 && e.message !== 'invalid credentials') {
        // no or malformed header: a failed attempt too, unless locked out already
        refuseIfLockedOut(req).then(() => recordFailure(req, null)).then(() => reject(err), reject)
        return
      }
      reject(err)
    })
  })

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
    await refuseIfLockedOut(req)
    const given = bearer(req)
    const id = given ? matchToken(given) : undefined
    if (!id) {
      await recordFailure(req, null)
      throw createError(401, given ? 'invalid bearer token' : 'a bearer token is required', { headers: { 'www-authenticate': 'Bearer realm="MCP Server"' } })
    }
    req.actor = { type: 'service', id }
  }

  const BEARER_CHALLENGE = 'Bearer realm="MCP Server"'
  /**
   * An agent's token, or the admin. No credentials is a challenge, not a failed login (nothing is
   * counted or audited); a wrong, revoked or expired token is a failed login; a valid token of an agent
   * that is not active is refused with 403, and audited as the agent.
   */
  async function agentGuard (req: FastifyRequest, reply: FastifyReply) {
    const given = bearer(req)
    if (given === undefined) {
      if (typeof req.headers.authorization === 'string' && /^Basic\s/i.test(req.headers.authorization)) return adminGuard(req, reply)
      await refuseIfLockedOut(req)
      throw createError(401, "this endpoint needs an agent's bearer token (Authorization: Bearer mcp_…) or the admin's Basic credentials",
        { headers: { 'www-authenticate': BEARER_CHALLENGE } })
    }
    await refuseIfLockedOut(req)
    const v = await app.agentTokens.verify(given)
    if (!v.ok) {
      await recordFailure(req, null)
      const why = v.refusal === 'invalid' ? 'invalid bearer token' : `this token is ${v.refusal}`
      throw createError(401, why, { headers: { 'www-authenticate': `${BEARER_CHALLENGE}, error="invalid_token", error_description="${why}"` } })
    }
    const { agent, token } = v
    if (agent.status !== 'active') {
      bus.publish('auth.agent_refused', { agent: { id: agent.id, name: agent.name, status: agent.status }, tokenId: token.id, ip: req.ip, route: req.routeOptions.url ?? req.url, requestId: req.id })
      throw createError(403, `agent ${agent.id} is ${agent.status}: its tokens are refused until an admin makes it active again`)
    }
    req.actor = { type: 'agent', id: agent.id, name: agent.name, scopes: token.scopes, tokenId: token.id }
  }

  const adminHook: onRequestAsyncHookHandler = async function (req, reply) { await adminGuard(req, reply) }
  const tokenHook: onRequestAsyncHookHandler = async function (req) { await tokenGuard(req) }
  const adminOrTokenHook: onRequestAsyncHookHandler = async function (req, reply) {
    if (bearer(req) !== undefined && tokens.length > 0) return tokenGuard(req)
    await adminGuard(req, reply)
  }
  const agentHook: onRequestAsyncHookHandler = async function (req, reply) { await agentGuard(req, reply) }
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
    // a new schema object: route options may share one (a GET and its HEAD do)
    if (security) route.schema = { ...route.schema, security }
  })

  app.decorate('auth', {
    scopeDefault (scope: FastifyInstance, level: AuthLevel) {
      if (!AUTH_LEVELS.includes(level)) throw new Error(`unknown auth '${String(level)}' (one of ${AUTH_LEVELS.join(', ')})`)
      scope.decorate(kScopeAuth, level)
    },
  })
}, { name: 'auth', dependencies: ['config', 'bus', 'sensible', 'rate-limit', 'agent-tokens'] })
