// /mcp, the Model Context Protocol endpoint (Streamable HTTP), and the admin routes of the agents'
// tokens. The SDK's handler answers the protocol; this route authenticates the caller (auth: 'agent'),
// limits each token's rate, hands the caller to the per-request server, and audits a call to a tool
// that does not exist (the SDK answers it with a protocol error before any tool runs).
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { PROTOCOL_VERSION_META_KEY, localhostAllowedOrigins, validateOriginHeader } from '@modelcontextprotocol/server'
import { ErrorRef, Nullable, adminErrors } from '../schemas/common.js'
import { SCOPES } from '../domain/mcp/scopes.js'
import type { ToolCaller } from '../domain/mcp/tool-runner.js'
import type { CallerAuthInfo } from '../plugins/app/mcp.js'
import { notFound } from '../domain/shared/errors.js'

/** the header naming the person an agent acts for (or `_meta.onBehalfOf` on a tools/call) */
export const ON_BEHALF_OF_HEADER = 'x-mcp-on-behalf-of'
/** request headers that describe the body or the connection, not the message */
const HOP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade'])

const TokenView = Type.Object({
  id: Type.String(),
  agentId: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  lastUsedAt: Nullable(Type.String({ format: 'date-time', description: 'to the minute' })),
}, { title: 'AgentToken' })

const NewToken = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: "what it is for, e.g. claude-desktop on ana's laptop" }),
  scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: SCOPES.length, description: SCOPES.join(', ') }),
  expiresAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
}, { additionalProperties: false })

const AgentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })
const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }), tokenId: Type.String({ minLength: 1, maxLength: 100 }) })

interface JsonRpcCall { method?: unknown, params?: { name?: unknown, arguments?: unknown, _meta?: Record<string, unknown> } | null }

const routes: FastifyPluginAsyncTypebox = async (app) => {
  // ── the agents' tokens (admin) ──
  app.post('/context/agents/:id/tokens', {
    auth: 'admin',
    schema: {
      tags: ['mcp'],
      summary: "Mint a bearer token for an agent's MCP client; the token is in this answer only",
      params: AgentParams,
      body: NewToken,
      response: { 201: Type.Object({ token: Type.String({ description: 'mcp_<id>_<secret>: store it now, it is not shown again' }), info: TokenView }), 404: ErrorRef, 409: ErrorRef, ...adminErrors },
    },
  }, async (req, reply) => {
    const created = await app.audit.change(req, 'agent_token.create', (r) => r ? { type: 'agent_token', id: r.info.id } : { type: 'agent', id: req.params.id },
      () => app.agentTokens.create(req.params.id, req.body, `${req.actor!.type}:${req.actor!.id}`),
      { metadata: { agentId: req.params.id, name: req.body.name, scopes: req.body.scopes, expiresAt: req.body.expiresAt ?? null } })
    return reply.code(201).send(created)
  })

  app.get('/context/agents/:id/tokens', {
    auth: 'admin',
    schema: { tags: ['mcp'], summary: "An agent's tokens, newest first (never their secrets)", params: AgentParams, response: { 200: Type.Array(TokenView), ...adminErrors } },
  }, async (req) => app.agentTokens.list(req.params.id))

  app.get('/agent-tokens', {
    auth: 'admin',
    schema: { tags: ['mcp'], summary: "Every agent's tokens, newest first", response: { 200: Type.Array(TokenView), ...adminErrors } },
  }, async () => app.agentTokens.list())

  app.delete('/context/agents/:id/tokens/:tokenId', {
    auth: 'admin',
    schema: { tags: ['mcp'], summary: 'Revoke a token: the next request with it is refused, on every instance', params: TokenParams, response: { 200: TokenView, 404: ErrorRef, ...adminErrors } },
  }, async (req) => app.audit.change(req, 'agent_token.revoke', { type: 'agent_token', id: req.params.tokenId }, async () => {
    const mine = (await app.agentTokens.list(req.params.id)).some((t) => t.id === req.params.tokenId)
    if (!mine) throw notFound(`agent ${req.params.id} has no token ${req.params.tokenId}`)
    return app.agentTokens.revoke(req.params.tokenId)
  }, { metadata: { agentId: req.params.id } }))

  // ── /mcp ──
  await app.register(mcpEndpoint)
}

const mcpEndpoint: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app
  // The SDK reads the JSON-RPC message itself (a malformed one gets its JSON-RPC parse error, not our
  // 400), so in this scope the body reaches the handler as text; it is parsed once below and passed on.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: config.bodyLimit }, (_req, body, done) => done(null, body))

  // DNS rebinding: a web page whose name was pointed at this hub must not reach /mcp from a browser.
  // A request with an Origin is served only from localhost or an origin of MCP_CORS_ORIGINS; MCP
  // clients outside browsers send none. (Same-origin is no proof: a rebound name is the same origin.)
  const allowedOrigins = [...localhostAllowedOrigins(), ...config.corsOrigins.flatMap((o) => { try { return [new URL(o).hostname] } catch { return [] } })]

  const callerOf = (req: FastifyRequest, message: JsonRpcCall | undefined): ToolCaller => {
    const actor = req.actor!
    const header = req.headers[ON_BEHALF_OF_HEADER]
    const onBehalfOf = typeof header === 'string' && header.length > 0 && header.length <= 200 ? header : null
    const metaVersion = message?.params?._meta?.[PROTOCOL_VERSION_META_KEY]
    const headerVersion = req.headers['mcp-protocol-version']
    const ctx = app.audit.contextOf(req)
    return {
      actor: { ...app.audit.actorOf(req), onBehalfOf },
      submittedBy: ctx.submittedBy,
      clientIp: ctx.clientIp,
      requestId: ctx.requestId,
      scopes: actor.type === 'user' ? SCOPES : actor.scopes ?? [],
      tokenId: actor.tokenId ?? null,
      protocolVersion: typeof metaVersion === 'string' ? metaVersion : typeof headerVersion === 'string' ? headerVersion : null,
    }
  }

  app.route({
    method: ['POST', 'GET', 'DELETE'],
    url: '/mcp',
    auth: 'agent',
    config: {
      // per token (the admin: per address), on top of the per-address limit every route has
      rateLimit: {
        max: config.mcpRateLimitMax,
        timeWindow: config.rateLimitWindowMs,
        keyGenerator: (req: FastifyRequest) => req.actor?.tokenId ? `mcp-token:${req.actor.tokenId}` : `mcp-ip:${req.ip}`,
      },
    },
    schema: {
      tags: ['mcp'],
      summary: 'The Model Context Protocol endpoint (Streamable HTTP, revisions 2025-11-25 and 2026-07-28)',
      description: 'JSON-RPC over HTTP for MCP clients; see docs/mcp.md. Stateless: any instance serves any request.',
    },
    handler: async (req, reply) => {
      const origin = validateOriginHeader(req.headers.origin, allowedOrigins)
      if (!origin.ok) return reply.code(403).send({ jsonrpc: '2.0', error: { code: -32000, message: `${origin.message}: not an allowed origin (MCP_CORS_ORIGINS)` }, id: null })
      const text = typeof req.body === 'string' ? req.body : undefined
      let message: JsonRpcCall | undefined
      let parsed = false
      if (text !== undefined && text.length > 0) {
        try { message = JSON.parse(text); parsed = true } catch { /* the SDK answers the parse error */ }
      }
      const messages = Array.isArray(message) ? message as JsonRpcCall[] : [message]
      const caller = callerOf(req, messages[0])
      // The SDK refuses an unknown tool, or a malformed call, with a protocol error before any tool
      // runs; the attempt still goes on the trail. Known tools are audited where they run.
      for (const m of messages) {
        if (m?.method !== 'tools/call') continue
        const params = m.params
        const name = params?.name
        const args = params?.arguments
        if (typeof name !== 'string' || (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args)))) {
          await app.mcp.runner.refused(typeof name === 'string' ? name : '(none)', args, caller, 'malformed tools/call: params needs a name (string) and arguments (an object)')
        } else if (!app.mcp.runner.has(name)) {
          await app.mcp.runner.call(name, args, caller)
        }
      }

      const headers = new Headers()
      for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined || HOP_HEADERS.has(k)) continue
        headers.set(k, Array.isArray(v) ? v.join(', ') : v)
      }
      const aborted = new AbortController()
      // a client gone before its answer cancels the work; the close that follows every finished answer
      // does not (aborting costs a DOMException with its stack, about 2 % of a tools/call)
      reply.raw.once('close', () => { if (!reply.raw.writableFinished) aborted.abort() })
      const request = new Request(`http://${req.host}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'POST' && !parsed && text !== undefined ? text : undefined,
        signal: aborted.signal,
      })
      const one = !Array.isArray(message) && message?.method === 'tools/call' && typeof message.params?.name === 'string' && app.mcp.runner.has(message.params.name)
      const authInfo: CallerAuthInfo = { token: '', clientId: caller.actor.id, scopes: [...caller.scopes], extra: { caller, ...(one ? { toolCall: message!.params!.name as string } : {}) } }
      const res = await app.mcp.handler.fetch(request, { authInfo, ...(parsed ? { parsedBody: message } : {}) })

      reply.code(res.status)
      res.headers.forEach((value, key) => { if (!HOP_HEADERS.has(key)) reply.header(key, value) })
      if (!res.body) return reply.send()
      return reply.send(Readable.fromWeb(res.body as WebReadableStream))
    },
  })
}

export default fp(routes, { name: 'routes/mcp', dependencies: ['auth', 'audit', 'mcp', 'agent-tokens'], encapsulate: true })
