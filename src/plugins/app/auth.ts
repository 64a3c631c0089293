// Who may do what: Basic auth for admins (constant-time, failed attempts rate limited per address),
// bearer tokens for services and agents. Route plugins pick a guard: auth.admin, auth.ingest,
// auth.adminOrToken.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs'
import { join, resolve } from 'node:path'
import fp from 'fastify-plugin'
import basicAuth from '@fastify/basic-auth'
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'

export interface Actor { type: 'user' | 'service' | 'agent' | 'system', id: string, name?: string }

declare module '../../domain/shared/bus.js' {
  interface BusTopics {
    /** a refused login or token (the audit plugin records it) */
    'auth.failed': { ip: string, user: string | null, route: string, requestId: string }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: {
      /** admins only (Basic auth) */
      admin: onRequestAsyncHookHandler
      /** the onRequest hooks of an ingest route: the bearer-token guard when tokens are configured,
       * none when ingest is open (so an open route runs no hook at all) */
      ingest: onRequestAsyncHookHandler[]
      /** an admin or any configured bearer token, never anonymous */
      adminOrToken: onRequestAsyncHookHandler
    }
  }
  interface FastifyRequest { actor?: Actor }
}

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

  app.decorate('auth', {
    admin: async function (req: FastifyRequest, reply: FastifyReply) { await adminGuard(req, reply) },
    ingest: tokens.length === 0 ? [] : [async function (req: FastifyRequest) { await tokenGuard(req) }],
    adminOrToken: async function (req: FastifyRequest, reply: FastifyReply) {
      if (bearer(req) !== undefined && tokens.length > 0) return tokenGuard(req)
      await adminGuard(req, reply)
    },
  })
}, { name: 'auth', dependencies: ['config', 'bus', 'sensible', 'rate-limit'] })
