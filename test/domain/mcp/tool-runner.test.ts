// The tool runner's audit of arguments, and the tool reference in docs/mcp.md kept in step with the tools.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { auditedArguments } from '../../../src/domain/mcp/tool-runner.js'
import { TOOLS } from '../../../src/domain/mcp/tools.js'
import { SCOPES } from '../../../src/domain/mcp/scopes.js'

t.test('secret-looking fields are redacted at any depth, the rest kept', async (t) => {
  const args = {
    user: 'ana',
    password: 'p',
    Authorization: 'Bearer x',
    nested: { api_key: 'k', apiKey: 'k', list: [{ secret: 's', ok: 1 }], clientToken: 't', note: 'n' },
    privateKey: 'pk',
  }
  t.same(auditedArguments(args, 10_000), {
    user: 'ana',
    password: '[redacted]',
    Authorization: '[redacted]',
    nested: { api_key: '[redacted]', apiKey: '[redacted]', list: [{ secret: '[redacted]', ok: 1 }], clientToken: '[redacted]', note: 'n' },
    privateKey: '[redacted]',
  })
  t.same(auditedArguments(undefined, 100), {}, 'no arguments: an empty object')
})

t.test('arguments over the bound are kept as a bounded preview', async (t) => {
  const big = { blob: 'z'.repeat(10_000), password: 'hunter2' }
  const kept = auditedArguments(big, 1000) as { truncated: boolean, bytes: number, preview: string }
  t.equal(kept.truncated, true)
  t.ok(kept.bytes > 10_000)
  t.ok(kept.preview.length <= 500)
  t.notMatch(JSON.stringify(kept), /hunter2/, 'redacted before it is cut')
  const deep: Record<string, unknown> = {}
  let at = deep
  for (let i = 0; i < 20; i++) { at.next = {}; at = at.next as Record<string, unknown> }
  t.match(JSON.stringify(auditedArguments(deep, 10_000)), /nested too deep/)
})

t.test('every tool has a known scope and hints, and is in the tool reference of docs/mcp.md', async (t) => {
  const doc = readFileSync(new URL('../../../docs/mcp.md', import.meta.url), 'utf8')
  for (const tool of TOOLS) {
    t.ok(SCOPES.includes(tool.scope), `${tool.name}: scope`)
    t.match(tool.name, /^[a-z]+(_[a-z]+)*$/, 'snake_case')
    t.ok(new RegExp(`^\\| \`${tool.name}\` \\| \`${tool.scope}\` \\|`, 'm').test(doc), `${tool.name} documented with its scope`)
  }
})
