// Configuration: environment variables plus an optional YAML/JSON file (MCP_CONFIG), validated once at
// start by a TypeBox schema. Pure: no Fastify, no process globals; the server passes env and file in.
import { readFileSync } from 'node:fs'
import { Type, type Static } from '@sinclair/typebox'
import { Value, ValueErrorType } from '@sinclair/typebox/value'
import { parse as parseYaml } from 'yaml'
import { describe } from './domain/shared/validation.js'
import { AlertRule, Channel, MaintenanceWindow } from './schemas/notifier.js'
import { validateNotifierConfig } from './domain/notifier/definitions.js'
import { parseTrustProxy, trustProxyEntryError } from './http/trust-proxy.js'

export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 5050 }),
  host: Type.String({ minLength: 1, default: '0.0.0.0' }),
  dataDir: Type.String({ minLength: 1, default: './data' }),
  adminUser: Type.String({ minLength: 1, default: 'admin' }),
  adminPassword: Type.Optional(Type.String({ minLength: 8 })),
  ingestTokens: Type.Array(Type.String({ minLength: 16 }), { default: [] }),
  corsOrigins: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  rateLimitMax: Type.Integer({ minimum: 1, default: 1000 }),
  rateLimitWindowMs: Type.Integer({ minimum: 1000, default: 60_000 }),
  ingestRateLimitMax: Type.Integer({ minimum: 1, default: 120_000 }),
  mcpRateLimitMax: Type.Integer({ minimum: 1, default: 600, description: 'MCP requests per token (or address) per rate-limit window' }),
  mcpMaxSubscriptions: Type.Integer({ minimum: 1, default: 256, description: 'open subscriptions/listen streams on /mcp, per instance' }),
  mcpArgumentsMaxBytes: Type.Integer({ minimum: 256, default: 4096, description: 'bound on the tool arguments an audit entry keeps' }),
  loginFailureMax: Type.Integer({ minimum: 1, default: 10 }),
  loginFailureWindowMs: Type.Integer({ minimum: 1000, default: 15 * 60_000 }),
  loginUserFailureMax: Type.Integer({ minimum: 1, default: 100, description: 'failed Basic-auth logins of one user, from addresses it has not logged in from recently, per window' }),
  loginKnownAddressMs: Type.Integer({ minimum: 0, default: 30 * 86_400_000, description: 'how long a successful login exempts its address from the per-user lock-out' }),
  tokenFailureMax: Type.Integer({ minimum: 1, default: 100, description: 'failed bearer tokens per client address per window' }),
  authAuditWindowMs: Type.Integer({ minimum: 100, default: 60_000, description: 'failed logins reach the audit trail as one entry per address and window' }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  durability: Type.Union([Type.Literal('full'), Type.Literal('normal')], { default: 'full' }),
  writerMode: Type.Union([Type.Literal('inline'), Type.Literal('thread')], { default: 'inline' }),
  /** how far V8's heap may grow past what survived its last full collection, in MB (src/http/heap-growth.ts); 0: V8's own (up to 4×) */
  heapHeadroomMb: Type.Integer({ minimum: 0, maximum: 65_536, default: 64 }),
  /** postgres://… selects the PostgreSQL engine (several instances on one database); unset: the SQLite file in dataDir */
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'postgres://user:password@host:port/database' })),
  databaseSchema: Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'public' }),
  databasePoolMax: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  /** PostgreSQL: how long the leader's lease lasts (ms); renewed every third of it, taken over when it expires */
  leaderLeaseMs: Type.Integer({ minimum: 1000, maximum: 300_000, default: 15_000 }),
  /** redis://… shares rate limits and failed-login counters between instances; unset: each instance counts its own */
  redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://', description: 'redis://[:password@]host:port[/db]' })),
  redisPrefix: Type.String({ minLength: 1, maxLength: 100, default: 'mcp:' }),
  bodyLimit: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
  eventsMaxBatch: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  eventMaxBytes: Type.Integer({ minimum: 1024, default: 128 * 1024 }),
  eventAttributesMax: Type.Integer({ minimum: 0, maximum: 1000, default: 32, description: "an event's attributes, unknown top-level fields included" }),
  eventAttributesMaxBytes: Type.Integer({ minimum: 256, default: 8192, description: "an event's attributes as JSON" }),
  eventsRetentionDays: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  writeQueueMax: Type.Integer({ minimum: 1, default: 100_000 }),
  streamMaxClients: Type.Integer({ minimum: 1, default: 100 }),
  streamBufferBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
  streamHeartbeatMs: Type.Integer({ minimum: 100, default: 15_000 }),
  streamReplayMax: Type.Integer({ minimum: 0, default: 1000 }),
  tlsCert: Type.Optional(Type.String({ minLength: 1 })),
  tlsKey: Type.Optional(Type.String({ minLength: 1 })),
  /** 0: no proxy; a hop count; or the proxies' addresses/CIDRs (see src/http/trust-proxy.ts) */
  trustProxy: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { default: 0 }),
  /** the config file this config was read from (set from MCP_CONFIG); SIGHUP re-reads its `services` */
  configFile: Type.Optional(Type.String({ minLength: 1 })),
  /** monitored services (config file only); each is validated by the health plugin */
  services: Type.Optional(Type.Array(Type.Unknown())),
  healthScheduler: Type.Boolean({ default: true }),
  probeConcurrency: Type.Integer({ minimum: 1, maximum: 10_000, default: 1024 }),
  probeAllow: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  /** hosts, *.suffixes, IPs, CIDRs notification channels may reach; empty: any address not refused */
  channelAllow: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  /** IPs and CIDRs refused (in every encoding) to probes and channels, on top of the metadata addresses */
  outboundDeny: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  probeConnectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  checksRetentionDays: Type.Number({ exclusiveMinimum: 0, default: 7 }),
  rollupsRetentionDays: Type.Number({ minimum: 400, default: 400 }),
  tlsExpiryWarnDays: Type.Integer({ minimum: 0, default: 14 }),
  /** PEM text of an Ed25519 private key, or the path of a PEM file; default: a key file in the data dir */
  auditSigningKey: Type.Optional(Type.String({ minLength: 1 })),
  auditCheckpointEvery: Type.Integer({ minimum: 1, default: 1000 }),
  auditCheckpointSeconds: Type.Number({ exclusiveMinimum: 0, default: 60 }),
  auditMaxBatch: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  auditMetadataMaxBytes: Type.Integer({ minimum: 256, default: 16 * 1024 }),
  importMaxBytes: Type.Integer({ minimum: 1024, default: 256 * 1024 * 1024 }),
  notifierGroupWindowMs: Type.Integer({ minimum: 0, default: 10_000 }),
  notifierRepeatIntervalMs: Type.Integer({ minimum: 0, default: 4 * 3_600_000 }),
  notifierRetryBaseMs: Type.Integer({ minimum: 1, default: 5_000 }),
  notifierRetryMaxDelayMs: Type.Integer({ minimum: 1, default: 10 * 60_000 }),
  notifierMaxAgeMs: Type.Integer({ minimum: 1, default: 24 * 3_600_000 }),
  notifierRateBudget: Type.Integer({ minimum: 1, default: 20 }),
  notifierRateWindowMs: Type.Integer({ minimum: 1, default: 60_000 }),
  notifierTickMs: Type.Integer({ minimum: 1, default: 1_000 }),
  notifierSendTimeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
  notifierRetentionDays: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  // config-file-only sections; read-only through the API
  channels: Type.Optional(Type.Array(Channel, { maxItems: 1000 })),
  alertRules: Type.Optional(Type.Array(AlertRule, { maxItems: 1000 })),
  maintenanceWindows: Type.Optional(Type.Array(MaintenanceWindow, { maxItems: 1000 })),
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Kind = 'int' | 'number' | 'string' | 'list' | 'bool' | 'proxies'
// Environment variable → config key. PORT is honoured for platforms that set it.
const ENV: Array<[string, keyof Config, Kind]> = [
  ['PORT', 'port', 'int'],
  ['MCP_PORT', 'port', 'int'],
  ['MCP_HOST', 'host', 'string'],
  ['MCP_DATA_DIR', 'dataDir', 'string'],
  ['MCP_ADMIN_USER', 'adminUser', 'string'],
  ['MCP_ADMIN_PASSWORD', 'adminPassword', 'string'],
  ['MCP_INGEST_TOKENS', 'ingestTokens', 'list'],
  ['MCP_CORS_ORIGINS', 'corsOrigins', 'list'],
  ['MCP_RATE_LIMIT_MAX', 'rateLimitMax', 'int'],
  ['MCP_RATE_LIMIT_WINDOW_MS', 'rateLimitWindowMs', 'int'],
  ['MCP_INGEST_RATE_LIMIT_MAX', 'ingestRateLimitMax', 'int'],
  ['MCP_ENDPOINT_RATE_LIMIT_MAX', 'mcpRateLimitMax', 'int'],
  ['MCP_ENDPOINT_MAX_SUBSCRIPTIONS', 'mcpMaxSubscriptions', 'int'],
  ['MCP_AUDIT_ARGUMENTS_MAX_BYTES', 'mcpArgumentsMaxBytes', 'int'],
  ['MCP_LOGIN_FAILURE_MAX', 'loginFailureMax', 'int'],
  ['MCP_LOGIN_FAILURE_WINDOW_MS', 'loginFailureWindowMs', 'int'],
  ['MCP_LOGIN_USER_FAILURE_MAX', 'loginUserFailureMax', 'int'],
  ['MCP_LOGIN_KNOWN_ADDRESS_MS', 'loginKnownAddressMs', 'int'],
  ['MCP_TOKEN_FAILURE_MAX', 'tokenFailureMax', 'int'],
  ['MCP_AUTH_AUDIT_WINDOW_MS', 'authAuditWindowMs', 'int'],
  ['MCP_LOG_LEVEL', 'logLevel', 'string'],
  ['MCP_DURABILITY', 'durability', 'string'],
  ['MCP_WRITER', 'writerMode', 'string'],
  ['MCP_HEAP_HEADROOM_MB', 'heapHeadroomMb', 'int'],
  ['MCP_DATABASE_URL', 'databaseUrl', 'string'],
  ['MCP_DATABASE_SCHEMA', 'databaseSchema', 'string'],
  ['MCP_DATABASE_POOL_MAX', 'databasePoolMax', 'int'],
  ['MCP_LEADER_LEASE_MS', 'leaderLeaseMs', 'int'],
  ['MCP_REDIS_URL', 'redisUrl', 'string'],
  ['MCP_REDIS_PREFIX', 'redisPrefix', 'string'],
  ['MCP_BODY_LIMIT', 'bodyLimit', 'int'],
  ['MCP_EVENTS_MAX_BATCH', 'eventsMaxBatch', 'int'],
  ['MCP_EVENT_MAX_BYTES', 'eventMaxBytes', 'int'],
  ['MCP_EVENT_ATTRIBUTES_MAX', 'eventAttributesMax', 'int'],
  ['MCP_EVENT_ATTRIBUTES_MAX_BYTES', 'eventAttributesMaxBytes', 'int'],
  ['MCP_EVENTS_RETENTION_DAYS', 'eventsRetentionDays', 'number'],
  ['MCP_WRITE_QUEUE_MAX', 'writeQueueMax', 'int'],
  ['MCP_STREAM_MAX_CLIENTS', 'streamMaxClients', 'int'],
  ['MCP_STREAM_BUFFER_BYTES', 'streamBufferBytes', 'int'],
  ['MCP_STREAM_HEARTBEAT_MS', 'streamHeartbeatMs', 'int'],
  ['MCP_STREAM_REPLAY_MAX', 'streamReplayMax', 'int'],
  ['MCP_TLS_CERT', 'tlsCert', 'string'],
  ['MCP_TLS_KEY', 'tlsKey', 'string'],
  ['MCP_TRUST_PROXY', 'trustProxy', 'proxies'],
  ['MCP_HEALTH_SCHEDULER', 'healthScheduler', 'bool'],
  ['MCP_PROBE_CONCURRENCY', 'probeConcurrency', 'int'],
  ['MCP_PROBE_ALLOW', 'probeAllow', 'list'],
  ['MCP_CHANNEL_ALLOW', 'channelAllow', 'list'],
  ['MCP_OUTBOUND_DENY', 'outboundDeny', 'list'],
  ['MCP_PROBE_CONNECT_TIMEOUT_MS', 'probeConnectTimeoutMs', 'int'],
  ['MCP_CHECKS_RETENTION_DAYS', 'checksRetentionDays', 'number'],
  ['MCP_ROLLUPS_RETENTION_DAYS', 'rollupsRetentionDays', 'number'],
  ['MCP_TLS_EXPIRY_WARN_DAYS', 'tlsExpiryWarnDays', 'int'],
  ['MCP_AUDIT_SIGNING_KEY', 'auditSigningKey', 'string'],
  ['MCP_AUDIT_CHECKPOINT_EVERY', 'auditCheckpointEvery', 'int'],
  ['MCP_AUDIT_CHECKPOINT_SECONDS', 'auditCheckpointSeconds', 'number'],
  ['MCP_AUDIT_MAX_BATCH', 'auditMaxBatch', 'int'],
  ['MCP_AUDIT_METADATA_MAX_BYTES', 'auditMetadataMaxBytes', 'int'],
  ['MCP_IMPORT_MAX_BYTES', 'importMaxBytes', 'int'],
  ['MCP_NOTIFIER_GROUP_WINDOW_MS', 'notifierGroupWindowMs', 'int'],
  ['MCP_NOTIFIER_REPEAT_INTERVAL_MS', 'notifierRepeatIntervalMs', 'int'],
  ['MCP_NOTIFIER_RETRY_BASE_MS', 'notifierRetryBaseMs', 'int'],
  ['MCP_NOTIFIER_RETRY_MAX_DELAY_MS', 'notifierRetryMaxDelayMs', 'int'],
  ['MCP_NOTIFIER_MAX_AGE_MS', 'notifierMaxAgeMs', 'int'],
  ['MCP_NOTIFIER_RATE_BUDGET', 'notifierRateBudget', 'int'],
  ['MCP_NOTIFIER_RATE_WINDOW_MS', 'notifierRateWindowMs', 'int'],
  ['MCP_NOTIFIER_TICK_MS', 'notifierTickMs', 'int'],
  ['MCP_NOTIFIER_SEND_TIMEOUT_MS', 'notifierSendTimeoutMs', 'int'],
  ['MCP_NOTIFIER_RETENTION_DAYS', 'notifierRetentionDays', 'number'],
]

function parseEnvValue (name: string, raw: string, kind: Kind): unknown {
  switch (kind) {
    case 'int':
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`)
      return Number(raw)
    case 'number':
      if (raw.trim() === '' || !Number.isFinite(Number(raw))) throw new ConfigError(`${name} must be a number, got "${raw}"`)
      return Number(raw)
    case 'bool':
      if (!/^(true|false|1|0)$/i.test(raw.trim())) throw new ConfigError(`${name} must be true or false, got "${raw}"`)
      return /^(true|1)$/i.test(raw.trim())
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean)
    case 'proxies':
      try { return parseTrustProxy(raw) } catch (err) { throw new ConfigError(`${name}: ${(err as Error).message}`) }
    default:
      return raw
  }
}

export function readConfigFile (path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`MCP_CONFIG: cannot read ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text) // YAML is a superset of JSON, so one parser serves both
  } catch (err) {
    throw new ConfigError(`MCP_CONFIG: ${path} is not valid YAML/JSON: ${(err as Error).message}`)
  }
  if (parsed == null) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`MCP_CONFIG: ${path} must hold a mapping of settings`)
  return parsed as Record<string, unknown>
}

/**
 * Builds the validated config. Precedence: defaults < config file < environment < overrides.
 * Throws ConfigError naming the variable (or file key) and what is expected.
 */
export function loadConfig (opts: { env?: Record<string, string | undefined>, overrides?: Partial<Config> } = {}): Config {
  const env = opts.env ?? {}
  const file = env.MCP_CONFIG ? readConfigFile(env.MCP_CONFIG) : {}
  const fromEnv: Record<string, unknown> = {}
  const origin: Record<string, string> = {}
  for (const key of Object.keys(file)) origin[key] = `${env.MCP_CONFIG}: ${key}`
  for (const [name, key, kind] of ENV) {
    const raw = env[name]
    if (raw === undefined || raw === '') continue
    fromEnv[key] = parseEnvValue(name, raw, kind)
    origin[key] = name
  }
  const merged: Record<string, unknown> = { ...file, ...(env.MCP_CONFIG ? { configFile: env.MCP_CONFIG } : {}), ...fromEnv, ...(opts.overrides ?? {}) }
  // MCP_TRUST_PROXY in a config file: the same words as in the environment, `true` refused
  if (['boolean', 'string', 'number'].includes(typeof merged.trustProxy)) {
    try { merged.trustProxy = parseTrustProxy(String(merged.trustProxy)) } catch (err) { throw new ConfigError(`${origin.trustProxy ?? 'trustProxy'}: ${(err as Error).message}`) }
  }
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(merged))
  const first = Value.Errors(ConfigSchema, withDefaults).First()
  if (first) {
    const key = first.path.split('/')[1] ?? ''
    const where = origin[key] ?? (key || 'config')
    if (first.type === ValueErrorType.ObjectAdditionalProperties || !(key in ConfigSchema.properties)) {
      throw new ConfigError(`${where}: unknown setting "${key}"`)
    }
    const inner = first.path.split('/').length > 2 ? ` at ${first.path}` : ''
    throw new ConfigError(`${where}${inner}: ${describe(first)}${first.value !== undefined ? ` (got ${JSON.stringify(first.value)})` : ''}`)
  }
  const config = withDefaults as Config
  for (const entry of Array.isArray(config.trustProxy) ? config.trustProxy : []) {
    const err = trustProxyEntryError(entry)
    if (err) throw new ConfigError(`${origin.trustProxy ?? 'trustProxy'}: ${err}`)
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('MCP_TLS_CERT and MCP_TLS_KEY must be set together')
  }
  try {
    validateNotifierConfig({ channels: config.channels, rules: config.alertRules, maintenance: config.maintenanceWindows })
  } catch (err) {
    throw new ConfigError(`${env.MCP_CONFIG ?? 'config'}: ${(err as Error).message}`)
  }
  return config
}
