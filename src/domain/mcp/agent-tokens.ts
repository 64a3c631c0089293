// Bearer tokens for agents: minted by an admin for an agent of the context registry, shown once,
// stored as a hash. A token reads `mcp_<id>_<secret>`: the id finds the stored hash, and the secret is
// compared with it in constant time. The secret is 256 random bits, so one SHA-256 is enough (a slow
// password hash guards guessable secrets; this one cannot be guessed).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Store } from '../../store/ports/store.js'
import type { AgentTokenRecord } from '../../store/ports/agent-tokens.js'
import type { ContextItem } from '../../store/ports/context.js'
import { conflict, invalid, notFound } from '../shared/errors.js'
import { SCOPES, isScope, type Scope } from './scopes.js'

/** A token as the API shows it: everything but the hash. */
export type AgentTokenView = Omit<AgentTokenRecord, 'secretHash'> & { scopes: Scope[] }

export interface NewToken { name: string, scopes: unknown, expiresAt?: string | null }

/** Why a presented token was refused: `invalid` (unknown, malformed or wrong), `revoked`, `expired`. */
export type TokenRefusal = 'invalid' | 'revoked' | 'expired'
export type Verified =
  | { ok: true, token: AgentTokenView, agent: ContextItem }
  | { ok: false, refusal: TokenRefusal, tokenId?: string }

const TOKEN = /^mcp_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/
const hashOf = (secret: string) => createHash('sha256').update(secret).digest()
/** compared against when the id is unknown, so that a miss costs what a hit costs */
const DECOY = hashOf('decoy')
/** how stale a token's lastUsedAt may get before a use is written (one write per token per minute) */
const TOUCH_EVERY_MS = 60_000

const view = ({ secretHash: _, ...rest }: AgentTokenRecord): AgentTokenView => rest as AgentTokenView

export function createAgentTokens (opts: { store: Store, now?: () => number }) {
  const { store } = opts
  const now = opts.now ?? Date.now
  const iso = () => new Date(now()).toISOString()
  /** when this instance last wrote a use of each token, so that a burst of calls writes once */
  const touched = new Map<string, number>()

  function checkNew (input: NewToken): { name: string, scopes: Scope[], expiresAt: string | null } {
    const name = typeof input.name === 'string' ? input.name.trim() : ''
    if (name.length < 1 || name.length > 100) throw invalid('body/name must be 1 to 100 characters')
    if (!Array.isArray(input.scopes) || input.scopes.length === 0) throw invalid(`body/scopes must be a non-empty list of: ${SCOPES.join(', ')}`)
    const bad = input.scopes.find((s) => !isScope(s))
    if (bad !== undefined) throw invalid(`body/scopes: unknown scope ${JSON.stringify(bad)}; known: ${SCOPES.join(', ')}`)
    let expiresAt: string | null = null
    if (input.expiresAt !== undefined && input.expiresAt !== null) {
      const t = typeof input.expiresAt === 'string' ? Date.parse(input.expiresAt) : NaN
      if (!Number.isFinite(t)) throw invalid('body/expiresAt must be an RFC 3339 time')
      if (t <= now()) throw invalid('body/expiresAt must be in the future')
      expiresAt = new Date(t).toISOString()
    }
    return { name, scopes: [...new Set(input.scopes as Scope[])], expiresAt }
  }

  return {
    /** Mints a token for an active or paused agent; the secret is in `token`, and only here. */
    async create (agentId: string, input: NewToken, createdBy: string): Promise<{ token: string, info: AgentTokenView }> {
      const fields = checkNew(input)
      const agent = await store.context.get('agents', agentId)
      if (!agent) throw notFound(`no agent with id ${agentId}`)
      if (agent.status === 'retired') throw conflict(`agent ${agentId} is retired: it gets no new tokens`)
      const id = randomBytes(8).toString('hex')
      const secret = randomBytes(32).toString('base64url')
      const record: AgentTokenRecord = {
        id, agentId, ...fields, secretHash: hashOf(secret).toString('hex'), createdAt: iso(), createdBy, revokedAt: null, lastUsedAt: null,
      }
      await store.agentTokens.create(record)
      return { token: `mcp_${id}_${secret}`, info: view(record) }
    },

    async list (agentId?: string): Promise<AgentTokenView[]> {
      return (await store.agentTokens.list({ agentId })).map(view)
    },

    async revoke (id: string): Promise<AgentTokenView> {
      const done = await store.agentTokens.revoke(id, iso())
      if (!done) throw notFound(`no token with id ${id}`)
      return view(done)
    },

    /** Finds the token and its agent; the agent's status is the caller's to judge. */
    async verify (presented: string): Promise<Verified> {
      const m = TOKEN.exec(presented)
      const record = m ? await store.agentTokens.get(m[1]) : undefined
      const expected = record ? Buffer.from(record.secretHash, 'hex') : DECOY
      const matches = timingSafeEqual(hashOf(m ? m[2] : presented), expected)
      if (!record || !matches) return { ok: false, refusal: 'invalid' }
      if (record.revokedAt !== null) return { ok: false, refusal: 'revoked', tokenId: record.id }
      if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now()) return { ok: false, refusal: 'expired', tokenId: record.id }
      const agent = await store.context.get('agents', record.agentId)
      // the agent was deleted from the registry: its tokens speak for no one
      if (!agent) return { ok: false, refusal: 'revoked', tokenId: record.id }
      const last = Math.max(touched.get(record.id) ?? 0, record.lastUsedAt === null ? 0 : Date.parse(record.lastUsedAt))
      if (now() - last >= TOUCH_EVERY_MS) {
        touched.set(record.id, now())
        // best effort: a use that could not be written does not refuse the call
        store.agentTokens.touch(record.id, iso()).catch(() => {})
      }
      return { ok: true, token: view(record), agent }
    },
  }
}

export type AgentTokens = ReturnType<typeof createAgentTokens>
