// Runs one tool call for one caller: the scope check, the arguments checked against the tool's schema
// (the refusal names the argument), the tool, and the audit entry every call leaves, refused ones
// included, before the caller gets the answer. A tool's refusal (bad input, unknown id, a conflict) is
// a tool result with isError: true, never a protocol error, so the agent can read it and correct itself.
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { Value } from '@sinclair/typebox/value'
import { compileValidator, type Validator } from '../shared/validation.js'
import { isDomainError } from '../shared/errors.js'
import type { AuditActor, AuditEntry, AuditTarget, Outcome } from '../audit/hash-chain.js'
import type { AuditContext } from '../audit/audit-trail.js'
import type { Caller, Fleet, ToolDefinition } from './tools.js'
import { SCOPE_MEANING, type Scope } from './scopes.js'

/** What the runner writes to the trail; the audit service's recordFor. */
export type RecordEntry = (actor: AuditActor, action: string, target: AuditTarget | null, outcome: Outcome, ctx: AuditContext,
  metadata: Record<string, unknown>, reason: string | null, fields: { tool?: string | null, argumentsHash?: string | null }) => Promise<AuditEntry>

export interface ToolCaller extends Caller {
  scopes: readonly Scope[]
  /** the token the call came with (absent for the admin) */
  tokenId: string | null
  /** the protocol revision the client speaks, when known */
  protocolVersion: string | null
}

export interface ToolAnswer {
  content: Array<{ type: 'text', text: string }>
  structuredContent?: Record<string, unknown>
  isError?: true
}

export interface RunnerOptions {
  tools: readonly ToolDefinition[]
  fleet: Fleet
  record: RecordEntry
  /** bound on the arguments kept in an entry, in bytes of JSON */
  argumentsMaxBytes?: number
  /** unexpected failures (bugs), for the log */
  onError?: (err: unknown, tool: string) => void
}

/** the action of every tools/call entry */
export const TOOL_CALL_ACTION = 'mcp.tool_call'

const SECRET_KEY = /pass(word|phrase)?|secret|token|api[-_]?key|authori[sz]ation|cookie|credential|private[-_]?key/i

/** The arguments as the trail keeps them: secret-looking fields redacted, the whole bounded in size. */
export function auditedArguments (args: unknown, maxBytes: number): unknown {
  const redact = (v: unknown, depth: number): unknown => {
    if (Array.isArray(v)) return depth > 8 ? '[nested too deep]' : v.map((x) => redact(x, depth + 1))
    if (v && typeof v === 'object') {
      if (depth > 8) return '[nested too deep]'
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(x, depth + 1)]))
    }
    return v
  }
  const clean = redact(args ?? {}, 0)
  const text = JSON.stringify(clean)
  if (Buffer.byteLength(text) <= maxBytes) return clean
  return { truncated: true, bytes: Buffer.byteLength(text), preview: text.slice(0, Math.floor(maxBytes / 2)) }
}

/** "querystring/cursor is …" from a domain refusal reads "argument cursor is …" to an agent */
const asArgumentMessage = (message: string) => message.replace(/^(querystring|body|params)\//, 'argument ').replace(/^(querystring|body|params) /, 'arguments ')

const text = (s: string) => [{ type: 'text' as const, text: s }]

export function createToolRunner (opts: RunnerOptions) {
  const { fleet, record } = opts
  const argumentsMaxBytes = opts.argumentsMaxBytes ?? 4096
  const byName = new Map(opts.tools.map((t) => [t.name as string, { tool: t, check: compileValidator<Record<string, unknown>>(t.input) as Validator<Record<string, unknown>> }]))

  async function audit (called: string, caller: ToolCaller, rawArgs: unknown, outcome: Outcome, reason: string | null, startedAt: number, isError: boolean) {
    // an unknown tool's name is the caller's text: bounded like the rest of what it sent
    const name = called.length > 200 ? called.slice(0, 200) + '…' : called
    if (reason !== null && reason.length > 2000) reason = reason.slice(0, 2000) + '…'
    const kept = auditedArguments(rawArgs, argumentsMaxBytes)
    const argumentsHash = 'sha256:' + createHash('sha256').update(canonicalize(kept ?? {}) ?? '').digest('hex')
    await record(caller.actor, TOOL_CALL_ACTION, { type: 'tool', id: name }, outcome,
      { submittedBy: caller.submittedBy, clientIp: caller.clientIp, requestId: caller.requestId },
      {
        arguments: kept,
        durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
        isError,
        ...(caller.tokenId ? { tokenId: caller.tokenId } : {}),
        ...(caller.protocolVersion ? { protocolVersion: caller.protocolVersion } : {}),
      },
      reason, { tool: name, argumentsHash })
  }

  return {
    has: (name: string) => byName.has(name),

    /** Audits a tools/call the protocol layer refuses before any tool runs (a malformed one). */
    async refused (name: string, rawArgs: unknown, caller: ToolCaller, reason: string): Promise<void> {
      await audit(name, caller, rawArgs, 'failure', reason, performance.now(), true)
    },

    /** Runs the call and audits it; answers once the entry is committed. */
    async call (name: string, rawArgs: unknown, caller: ToolCaller): Promise<ToolAnswer> {
      const startedAt = performance.now()
      const found = byName.get(name)
      if (!found) {
        // the endpoint answers a protocol error; the attempt is still on the trail
        await audit(name, caller, rawArgs, 'failure', `unknown tool ${name}`, startedAt, true)
        return { content: text(`unknown tool ${name}`), isError: true }
      }
      const { tool, check } = found
      if (!caller.scopes.includes(tool.scope)) {
        const reason = `${name} needs the scope '${tool.scope}' (${SCOPE_MEANING[tool.scope]}); this token has ${caller.scopes.length ? caller.scopes.map((s) => `'${s}'`).join(', ') : 'none'}`
        await audit(name, caller, rawArgs, 'denied', reason, startedAt, true)
        return { content: text(reason), isError: true }
      }
      const args = Value.Default(tool.input, structuredClone(rawArgs ?? {})) as Record<string, unknown>
      const bad = check.firstError(args, '')
      if (bad !== undefined) {
        // "/target/id must be …" reads "argument target.id must be …"; a whole-object refusal names no argument
        const [path, ...rest] = bad.split(' ')
        const reason = path === '' ? `arguments ${rest.join(' ')}` : `argument ${path.slice(1).replace(/\//g, '.')} ${rest.join(' ')}`
        await audit(name, caller, rawArgs, 'failure', reason, startedAt, true)
        return { content: text(reason), isError: true }
      }
      let out: Record<string, unknown>
      try {
        out = await tool.run(args, fleet, caller)
      } catch (err) {
        const known = isDomainError(err)
        if (!known) opts.onError?.(err, name)
        const reason = known
          ? asArgumentMessage(err.message) + (err.kind === 'unavailable' && err.retryAfterSeconds ? ` (retry in ${err.retryAfterSeconds} s)` : '')
          : `${name} failed inside the hub; the error is logged`
        await audit(name, caller, rawArgs, 'failure', reason, startedAt, true)
        return { content: text(reason), isError: true }
      }
      await audit(name, caller, rawArgs, 'success', null, startedAt, false)
      return { content: text(JSON.stringify(out)), structuredContent: out }
    },
  }
}

export type ToolRunner = ReturnType<typeof createToolRunner>
