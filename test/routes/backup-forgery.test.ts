// Import cannot forge history: a backup's trail joins a hub's only into an empty trail, or as a signed
// continuation of the hub's own; a header never adds a trusted key; and the time an entry is found by
// is covered by its hash, for the server's verifier and the offline CLI alike.
import t from 'tap'
import Database from 'better-sqlite3'
import { execFile } from 'node:child_process'
import { cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPairSync } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { build, adminHeaders, tempDir } from '../helper.js'
import { TS_LOADER, START_TIMEOUT_MS, PROCESS_TEST_TIMEOUT_MS } from '../server-process.js'
import { entryHash, keyIdOf, signCheckpoint } from '../../src/domain/audit/hash-chain.js'
import { rowToEntry, type AuditRow } from '../../src/store/sqlite/audit.js'

t.setTimeout(PROCESS_TEST_TIMEOUT_MS)
const ndjson = { ...adminHeaders, 'content-type': 'application/x-ndjson' }
type App = Awaited<ReturnType<typeof build>>['app']
type Line = { table: string, row: Record<string, unknown> }

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
function runCli (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...TS_LOADER, CLI, ...args], { timeout: START_TIMEOUT_MS }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    })
  })
}

const audit = async (app: App, n: number, tag: string) => {
  const res = await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: Array.from({ length: n }, (_, i) => ({ actor: { type: 'user', id: 'bob' }, action: 'order.refund', outcome: 'success', metadata: { tag, i } })) })
  if (res.statusCode !== 201) throw new Error(res.body)
}
const trail = async (app: App) => (await app.inject({ url: '/audit?limit=1000', headers: adminHeaders })).json().entries as Array<{ seq: number, hash: string, action: string }>
const eventCount = async (app: App) => (await app.inject({ url: '/events', headers: adminHeaders })).json().events.length as number
const parse = (body: string) => body.trim().split('\n').map((l) => JSON.parse(l))
const unparse = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n')
const lastEntry = (lines: Line[]) => lines.filter((l) => l.table === 'audit_entries').at(-1)!

/** Re-chains a row after a change, as a forger would: its hash recomputed from its content. */
function rehash (row: Record<string, unknown>): void {
  row.hash = entryHash(rowToEntry(row as unknown as AuditRow))
}

/**
 * The continuation case: hub B is A's data dir as it was (a file copy), A goes on and exports; B holds
 * the start of A's trail and trusts A's key (the same signing key file).
 */
async function continuation (t: Parameters<Parameters<typeof t.test>[1]>[0]) {
  const dirA = tempDir(t)
  const first = await build(t, {}, dirA)
  await audit(first.app, 4, 'before')
  await first.app.close()
  const dirB = tempDir(t)
  cpSync(dirA, dirB, { recursive: true })
  const a = await build(t, {}, dirA)
  await a.app.inject({ method: 'POST', url: '/events', payload: { type: 'later.event', source: 'shop', id: 'l1' } })
  await audit(a.app, 3, 'after')
  const lines = parse((await a.app.inject({ url: '/export', headers: adminHeaders })).body) as Line[]
  const b = await build(t, {}, dirB)
  return { a: a.app, b: b.app, lines }
}

t.test('a signed continuation of the hub trail imports; a forged entry, an untrusted or a header-supplied key does not', async (t) => {
  const { a, b, lines } = await continuation(t)
  const bTrail = await trail(b)
  const bundled = lines.filter((l) => l.table === 'audit_entries').map((l) => l.row.hash as string)
  t.ok(bTrail.length > 0 && bTrail.length < bundled.length, "B holds the start of A's trail")
  t.same(bTrail.map((e) => e.hash).reverse(), bundled.slice(0, bTrail.length))

  // a forged entry appended after the last checkpoint, correctly chained
  const forged = structuredClone(lines)
  const tail = lastEntry(forged).row
  const extra = { ...tail, seq: (tail.seq as number) + 1, id: '01FORGEDFORGEDFORGEDFORGED', action: 'order.refund', metadata: '{"forged":true}', prev_hash: tail.hash }
  rehash(extra)
  forged.push({ table: 'audit_entries', row: extra })
  let res = await b.inject({ method: 'POST', url: '/import', headers: ndjson, payload: unparse(forged) })
  t.equal(res.statusCode, 400, res.body)
  t.match(res.json(), { firstBrokenSeq: extra.seq, message: /under no checkpoint signed by a key this hub trusts/ })
  t.same(await trail(b), bTrail, 'the forged import added nothing to the trail')
  t.equal(await eventCount(b), 0, 'nor any event')

  // the last checkpoint re-signed by a key the hub does not trust, named in the header
  const attacker = generateKeyPairSync('ed25519')
  const attackerPem = attacker.publicKey.export({ type: 'spki', format: 'pem' }) as string
  const attackerId = keyIdOf(attacker.publicKey)
  const resigned = structuredClone(lines) as Array<Line & { publicKeys?: unknown }>
  resigned[0].publicKeys = [{ keyId: attackerId, pem: attackerPem }]
  const cpLine = resigned.findLastIndex((l) => l.table === 'audit_checkpoints')
  const cp = resigned[cpLine].row
  const sig = signCheckpoint({ seq: cp.seq as number, hash: cp.hash as string, time: cp.time as string }, attacker.privateKey, attackerId)
  resigned[cpLine].row = { ...cp, key_id: sig.keyId, signature: sig.signature }
  res = await b.inject({ method: 'POST', url: '/import', headers: ndjson, payload: unparse(resigned) })
  t.equal(res.statusCode, 400, res.body)
  t.match(res.json(), { line: cpLine + 1, message: new RegExp(`signed by key ${attackerId}, which this hub does not trust`) })
  t.notOk(b.audit.trustedKeys().has(attackerId), 'the header did not add the key')
  t.same(await trail(b), bTrail)

  // the genuine continuation: the trail and the data come in, and B's trail verifies
  res = await b.inject({ method: 'POST', url: '/import', headers: ndjson, payload: unparse(lines) })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.json(), { inserted: { events: 1, audit_entries: bundled.length - bTrail.length }, skipped: { audit_entries: bTrail.length }, untrustedKeys: [] })
  t.match((await b.inject({ url: '/audit/verify', headers: adminHeaders })).json(), { ok: true })
  const merged = await trail(b)
  t.same(merged.slice(1).map((e) => e.hash).reverse(), bundled, "B's trail is A's, then B's import entry")
  t.match(merged[0], { action: 'backup.import' })
  t.equal(a.audit.publicKey().keyId, b.audit.publicKey().keyId, 'one hub, one key')
})

t.test('a trail that does not continue a non-empty one is refused; ?audit=skip restores the rest', async (t) => {
  const a = await build(t)
  await a.app.inject({ method: 'POST', url: '/events', payload: { type: 'order.created', source: 'order', id: 'o1' } })
  await audit(a.app, 3, 'a')
  const bundle = (await a.app.inject({ url: '/export', headers: adminHeaders })).body
  const b = await build(t)
  await audit(b.app, 2, 'b')
  const before = await trail(b.app)
  const res = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: bundle })
  t.equal(res.statusCode, 409, res.body)
  t.match(res.json().message, /does not continue this hub's trail \(they differ at seq \d+\)/)
  t.same(await trail(b.app), before, 'nothing joined the trail')
  t.equal(await eventCount(b.app), 0, 'nothing else was stored either')

  const skipped = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: bundle, query: { audit: 'skip' } })
  t.equal(skipped.statusCode, 200, skipped.body)
  t.match(skipped.json(), { inserted: { events: 1, audit_entries: 0, audit_checkpoints: 0 }, audit: null })
  const after = await trail(b.app)
  t.same(after.slice(1), before, "B's own trail, then only its entry for the import")
  t.match(after[0], { action: 'backup.import' })
  t.match((await b.app.inject({ url: '/audit/verify', headers: adminHeaders })).json(), { ok: true })
})

t.test('a header-supplied key never becomes trusted, even when an empty trail takes the history', async (t) => {
  const a = await build(t)
  await audit(a.app, 3, 'a')
  const lines = parse((await a.app.inject({ url: '/export', headers: adminHeaders })).body)
  const keyId = a.app.audit.publicKey().keyId
  t.match(lines[0].publicKeys, [{ keyId }])
  const b = await build(t)
  const res = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: unparse(lines) })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json().untrustedKeys, [keyId])
  t.same([...b.app.audit.trustedKeys().keys()], [b.app.audit.publicKey().keyId], 'B trusts its own key only')
  t.match((await b.app.inject({ url: '/audit/public-key' })).json(), { trusted: [{ keyId: b.app.audit.publicKey().keyId }] })
})

t.test('a changed time is caught: by the import, by GET /audit/verify and by the offline CLI', async (t) => {
  const a = await build(t)
  await audit(a.app, 4, 'a')
  const lines = parse((await a.app.inject({ url: '/export', headers: adminHeaders })).body) as Line[]
  const i = lines.findIndex((l) => l.table === 'audit_entries' && l.row.seq === 2)
  const b = await build(t)

  // the hashed time changed, time_ms following it: the chain breaks at that entry
  const moved = structuredClone(lines)
  const earlier = new Date(Date.parse(moved[i].row.time as string) - 86_400_000)
  moved[i].row.time = earlier.toISOString()
  moved[i].row.time_ms = earlier.getTime()
  let res = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: unparse(moved) })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { firstBrokenSeq: 2, message: /entry 2 was modified/ })

  // only time_ms changed (what time queries filter on): the row is refused
  const msOnly = structuredClone(lines)
  msOnly[i].row.time_ms = (msOnly[i].row.time_ms as number) - 86_400_000
  res = await b.app.inject({ method: 'POST', url: '/import', headers: ndjson, payload: unparse(msOnly) })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { line: i + 1, message: new RegExp(`line ${i + 1}: audit_entries.time_ms must be`) })
  t.equal((await trail(b.app)).length, 0, 'nothing was imported')

  // time_ms changed in the database itself, under the triggers: the hub's verifier names the entry
  const c = await build(t)
  await audit(c.app, 4, 'c')
  const db = new Database(join(c.dataDir, 'mcp.sqlite'))
  t.teardown(() => db.close())
  db.exec('DROP TRIGGER audit_entries_no_update')
  db.prepare('UPDATE audit_entries SET time_ms = time_ms - 86400000 WHERE seq = 3').run()
  const since = new Date(Date.now() - 3_600_000).toISOString()
  const found = (await c.app.inject({ url: `/audit?since=${since}`, headers: adminHeaders })).json().entries as Array<{ seq: number }>
  t.notOk(found.some((e) => e.seq === 3), 'the moved entry now escapes a time query')
  t.match((await c.app.inject({ url: '/audit/verify', headers: adminHeaders })).json(), { ok: false, firstBrokenSeq: 3, reason: /entry 3 was modified: its stored time_ms/ })

  // and the offline verifier, on the hub's bundle
  const bundle = (await c.app.inject({ url: '/audit/export', headers: adminHeaders })).body
  const file = join(tempDir(t), 'bundle.ndjson')
  writeFileSync(file, bundle)
  const cli = await runCli(['audit', 'verify', file])
  t.equal(cli.code, 1, cli.stderr)
  t.match(JSON.parse(cli.stdout), { ok: false, firstBrokenSeq: 3 })
  t.match(cli.stderr, /entry 3 was modified: its stored time_ms/)
})
