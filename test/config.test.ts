import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig, ConfigError } from '../src/config.js'
import { tempDir } from './helper.js'

t.test('defaults match the documented ones', async (t) => {
  const c = loadConfig({ env: {} })
  t.match(c, { port: 5050, host: '0.0.0.0', dataDir: './data', adminUser: 'admin', durability: 'full', eventsMaxBatch: 1000, bodyLimit: 1048576, eventsRetentionDays: 30, corsOrigins: [], ingestTokens: [] })
  t.equal(c.adminPassword, undefined, 'no built-in password')
  t.ok(c.eventMaxBytes >= 64 * 1024, 'an event may be at least 64 KiB')
})

t.test('environment variables are parsed and PORT is honoured', async (t) => {
  t.equal(loadConfig({ env: { PORT: '8080' } }).port, 8080)
  t.equal(loadConfig({ env: { PORT: '8080', MCP_PORT: '9090' } }).port, 9090, 'MCP_PORT wins over PORT')
  const c = loadConfig({ env: { MCP_INGEST_TOKENS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb', MCP_CORS_ORIGINS: 'https://a.example,https://b.example', MCP_DURABILITY: 'normal', MCP_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' } })
  t.same(c.ingestTokens, ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb'])
  t.same(c.corsOrigins, ['https://a.example', 'https://b.example'])
  t.equal(c.durability, 'normal')
  t.same(c.trustProxy, ['10.0.0.0/8', '127.0.0.1'])
  t.equal(loadConfig({ env: { MCP_TRUST_PROXY: '2' } }).trustProxy, 2, 'a hop count')
})

t.test('a bad value names the variable and what is expected', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ MCP_PORT: 'abc' }, /MCP_PORT must be an integer/],
    [{ MCP_PORT: '70000' }, /MCP_PORT: .*65535/],
    [{ MCP_DURABILITY: 'sometimes' }, /MCP_DURABILITY: must be one of full, normal/],
    [{ MCP_LOG_LEVEL: 'loud' }, /MCP_LOG_LEVEL: must be one of fatal, error/],
    [{ MCP_ADMIN_PASSWORD: 'short' }, /MCP_ADMIN_PASSWORD: .*8/],
    [{ MCP_INGEST_TOKENS: 'tooshort' }, /MCP_INGEST_TOKENS/],
    [{ MCP_EVENTS_RETENTION_DAYS: 'x' }, /MCP_EVENTS_RETENTION_DAYS must be a number/],
    [{ MCP_TRUST_PROXY: 'maybe' }, /MCP_TRUST_PROXY: "maybe" is not an IP address or CIDR/],
    [{ MCP_TRUST_PROXY: 'true' }, /MCP_TRUST_PROXY: true would trust every peer/],
    [{ MCP_TLS_CERT: '/tmp/cert.pem' }, /MCP_TLS_CERT and MCP_TLS_KEY must be set together/],
  ]
  for (const [env, re] of cases) {
    t.throws(() => loadConfig({ env }), re, JSON.stringify(env))
    t.throws(() => loadConfig({ env }), ConfigError)
  }
})

t.test('a YAML config file is read; the environment overrides it; unknown keys are refused', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'mcp.yaml')
  writeFileSync(file, 'port: 6000\nrateLimitMax: 50\ncorsOrigins:\n  - https://ops.example\n')
  const c = loadConfig({ env: { MCP_CONFIG: file, MCP_RATE_LIMIT_MAX: '70' } })
  t.equal(c.port, 6000)
  t.equal(c.rateLimitMax, 70)
  t.same(c.corsOrigins, ['https://ops.example'])
  writeFileSync(file, 'prot: 6000\n')
  t.throws(() => loadConfig({ env: { MCP_CONFIG: file } }), /mcp\.yaml: prot: unknown setting "prot"/)
  writeFileSync(file, 'port: [1\n')
  t.throws(() => loadConfig({ env: { MCP_CONFIG: file } }), /not valid YAML/)
  t.throws(() => loadConfig({ env: { MCP_CONFIG: join(dir, 'missing.yaml') } }), /MCP_CONFIG: cannot read/)
})
