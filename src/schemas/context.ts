import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox'
import { AGENT_STATUSES, MODEL_STATUSES, TASK_STATUSES } from '../domain/context/status-rules.js'
import { TASK_STATUS_ALIASES } from '../domain/context/original-shapes.js'
import { Limit, Nullable, StringEnum } from './common.js'

const Id = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._@:-]+$', description: 'chosen by the client, or a ULID when omitted' })
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) })
const Names = (description: string) => Type.Array(Text(200), { maxItems: 100, description })

export const modelFields = {
  name: Text(200),
  version: Type.Optional(Text(100)),
  provider: Type.Optional(Text(200)),
  capabilities: Type.Optional(Names('e.g. text, code, vision')),
  status: Type.Optional(StringEnum(MODEL_STATUSES, { default: 'active' })),
  tags: Type.Optional(Names('free labels')),
}
export const agentFields = {
  name: Text(200),
  type: Type.Optional(Text(100, 'e.g. customer-service')),
  status: Type.Optional(StringEnum(AGENT_STATUSES, { default: 'active' })),
  model: Type.Optional(Text(200, 'the model it runs on')),
  owner: Type.Optional(Text(200, 'the person or team answerable for it')),
  tools: Type.Optional(Names('tools it may call')),
  version: Type.Optional(Text(100)),
  contentHash: Type.Optional(Text(200, 'hash of its prompt and configuration, to tell versions apart')),
}
export const taskFields = {
  name: Text(200),
  status: Type.Optional(StringEnum(TASK_STATUSES, { default: 'submitted' })),
  assignee: Type.Optional(Text(200, 'the agent working on it')),
  result: Type.Optional(Text(4000, 'a summary of the result')),
}

/** A task's status as a client may send it: ours, or the original design's success/failure. */
const taskInputFields = {
  ...taskFields,
  status: Type.Optional(StringEnum([...TASK_STATUSES, ...Object.keys(TASK_STATUS_ALIASES)], {
    default: 'submitted',
    description: `the original design's ${Object.entries(TASK_STATUS_ALIASES).map(([from, to]) => `${from} is stored as ${to}`).join(', ')}`,
  })),
}

/** create: the fields plus an optional id */
const input = (name: string, fields: TProperties, extra: TProperties = {}) => Type.Object({ id: Type.Optional(Id), ...fields, ...extra }, { $id: `${name}Input`, title: `${name}Input`, additionalProperties: false })
/** update: any of the fields; null clears an optional one */
const patch = (name: string, fields: TProperties) => {
  const props: TProperties = {}
  for (const [k, v] of Object.entries(fields)) {
    const { default: _dropped, ...schema } = v as Record<string, unknown>
    props[k] = k === 'name' || k === 'status' ? Type.Optional(Type.Unsafe(schema)) : Type.Optional(Nullable(Type.Unsafe(schema)))
  }
  return Type.Object(props, { $id: `${name}Patch`, title: `${name}Patch`, additionalProperties: false, minProperties: 1 })
}
const stored = (name: string, fields: TProperties, extra: TProperties = {}) => {
  const props: TProperties = { id: Type.String() }
  for (const [k, v] of Object.entries(fields)) {
    const { default: _dropped, ...schema } = v as Record<string, unknown>
    props[k] = k === 'name' || k === 'status' ? Type.Unsafe(schema) : Type.Optional(Type.Unsafe(schema))
  }
  return Type.Object({ ...props, ...extra, createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }) }, { $id: name, title: name })
}

export const ModelInput = input('Model', modelFields)
// the original design's agent {id, type, status} has no name: it defaults to the id
export const AgentInput = input('Agent', { ...agentFields, name: Type.Optional(Text(200, 'default: the id')) })
export const TaskInput = input('Task', taskInputFields, {
  // the integer first: Ajv coerces body values, and string-first would turn epoch milliseconds into text
  timestamp: Type.Optional(Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 64 })], {
    description: "the producer's time of the task (the original design's field): epoch milliseconds or RFC 3339; stored as reportedAt",
  })),
})
export const ModelPatch = patch('Model', modelFields)
export const AgentPatch = patch('Agent', agentFields)
export const TaskPatch = patch('Task', taskInputFields)
export const Model = stored('Model', modelFields)
export const Agent = stored('Agent', agentFields)
export const Task = stored('Task', taskFields, {
  startedAt: Type.Optional(Type.String({ format: 'date-time', description: 'when it first went to working' })),
  completedAt: Type.Optional(Type.String({ format: 'date-time', description: 'when it reached completed, failed or canceled' })),
  reportedAt: Type.Optional(Type.String({ description: "the producer's time it was created with (timestamp), RFC 3339" })),
})

export const contextKindSchemas: Record<'models' | 'agents' | 'tasks', { input: TObject, patch: TObject, item: TObject, statuses: readonly string[] }> = {
  models: { input: ModelInput, patch: ModelPatch, item: Model, statuses: MODEL_STATUSES },
  agents: { input: AgentInput, patch: AgentPatch, item: Agent, statuses: AGENT_STATUSES },
  tasks: { input: TaskInput, patch: TaskPatch, item: Task, statuses: TASK_STATUSES },
}

export const ContextListQuery = Type.Object({
  status: Type.Optional(Text(50)),
  name: Type.Optional(Text(200)),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  limit: Limit(1000, 100),
}, { additionalProperties: false })
export type ContextListQueryT = Static<typeof ContextListQuery>

export const ContextSnapshotQuery = Type.Object({
  limit: Limit(200, 50),
}, { additionalProperties: false })

export const contextSchemas = [ModelInput, AgentInput, TaskInput, ModelPatch, AgentPatch, TaskPatch, Model, Agent, Task]
