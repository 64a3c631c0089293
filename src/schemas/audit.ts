import { Type, type Static } from '@sinclair/typebox'
import { ACTOR_TYPES, OUTCOMES } from '../domain/audit/hash-chain.js'
import { MAX_JSON_DEPTH } from '../domain/shared/json-depth.js'
import { Limit, Nullable, StringEnum } from './common.js'

const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) })

export const AuditInput = Type.Object({
  actor: Type.Optional(Type.Object({
    type: StringEnum(ACTOR_TYPES, { description: "who acted; system for a job or service of yours (the hub's own id mcp-server is reserved)" }),
    id: Text(200),
    name: Type.Optional(Text(200)),
    onBehalfOf: Type.Optional(Text(200, 'the person an agent acted for')),
  }, { additionalProperties: false, description: 'who acted; required unless agent is given' })),
  agent: Type.Optional(Text(200, "the original design's shape: the id of the agent that acted, i.e. actor {type: agent, id}")),
  timestamp: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Integer()], {
    description: "the producer's time, epoch milliseconds or RFC 3339; kept in metadata.producerTime (the entry's time is the hub's)",
  })),
  action: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', description: 'a dotted name, e.g. order.refund' }),
  target: Type.Optional(Type.Object({ type: Text(100), id: Text(200) }, { additionalProperties: false })),
  outcome: Type.Optional(StringEnum(OUTCOMES, { description: 'unknown when omitted' })),
  reason: Type.Optional(Text(2000)),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: `any JSON object, bounded (MCP_AUDIT_METADATA_MAX_BYTES, nested at most ${MAX_JSON_DEPTH} levels)` })),
  model: Type.Optional(Text(200, 'for agents: the model that decided')),
  tool: Type.Optional(Text(200, 'for agents: the tool called')),
  argumentsHash: Type.Optional(Text(200, "for agents: a hash of the tool's arguments (the arguments stay out of the trail)")),
}, { $id: 'AuditInput', title: 'AuditInput', additionalProperties: false })
export type AuditInputT = Static<typeof AuditInput>

export const AuditEntrySchema = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  time: Type.String({ format: 'date-time' }),
  actor: Type.Object({ type: Type.String(), id: Type.String(), name: Nullable(Type.String()), onBehalfOf: Nullable(Type.String()) }),
  action: Type.String(),
  target: Nullable(Type.Object({ type: Type.String(), id: Type.String() })),
  outcome: Type.String(),
  reason: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  model: Nullable(Type.String()),
  tool: Nullable(Type.String()),
  argumentsHash: Nullable(Type.String()),
  clientIp: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  submittedBy: Type.String({ description: 'who authenticated the write: user:<name>, service:<token id> or system' }),
  prevHash: Type.String(),
  hash: Type.String({ description: 'SHA-256 over the RFC 8785 canonical JSON of the entry and prevHash' }),
}, { $id: 'AuditEntry', title: 'AuditEntry' })

export const AuditBody = Type.Union([Type.Ref(AuditInput), Type.Array(Type.Ref(AuditInput))], {
  description: 'one entry, or an array of them (all or nothing)',
})

export const AuditBatchResult = Type.Object({
  accepted: Type.Array(Type.Object({ index: Type.Integer(), id: Type.String(), seq: Type.Integer(), hash: Type.String() }), {
    description: 'a receipt per entry, in body order: with seq and hash the caller can later prove what it wrote',
  }),
}, { $id: 'AuditBatchResult', title: 'AuditBatchResult' })

export const AuditQuery = Type.Object({
  actorId: Type.Optional(Text(200)),
  actorType: Type.Optional(StringEnum(ACTOR_TYPES)),
  onBehalfOf: Type.Optional(Text(200)),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'entries whose action starts with this, e.g. order. or context.task' })),
  targetType: Type.Optional(Text(100)),
  targetId: Type.Optional(Text(200)),
  outcome: Type.Optional(StringEnum(OUTCOMES)),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'nextCursor of the previous page' })),
  limit: Limit(1000, 100),
}, { additionalProperties: false })
export type AuditQueryT = Static<typeof AuditQuery>

export const AuditPage = Type.Object({
  entries: Type.Array(Type.Ref(AuditEntrySchema)),
  nextCursor: Nullable(Type.String()),
}, { $id: 'AuditPage', title: 'AuditPage' })

export const VerifyReport = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer({ description: 'entries examined; the walk stops at the first broken one' }),
  firstBrokenSeq: Nullable(Type.Integer()),
  reason: Nullable(Type.String()),
  checkpointsVerified: Type.Integer(),
  lastSeq: Type.Integer(),
}, { $id: 'VerifyReport', title: 'VerifyReport' })

export const PublicKey = Type.Object({
  keyId: Type.String(),
  algorithm: Type.Literal('Ed25519'),
  pem: Type.String(),
  trusted: Type.Array(Type.Object({ keyId: Type.String(), pem: Type.String() }), { description: 'every key checkpoints are verified with (this one and those of imported trails)' }),
})

export const auditSchemas = [AuditInput, AuditEntrySchema, AuditBatchResult, AuditPage, VerifyReport]
