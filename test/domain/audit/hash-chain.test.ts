import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { statSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chainEntries, entryHash, GENESIS_HASH, keyIdOf, signCheckpoint, type AuditDraft } from '../../../src/domain/audit/hash-chain.js'
import { ChainVerifier, verifyBundle } from '../../../src/domain/audit/chain-verifier.js'
import { loadSigningKey, SIGNING_KEY_FILE } from '../../../src/domain/audit/adapters/key-files.js'
import { build, tempDir } from '../../helper.js'

const draft = (i: number): AuditDraft => ({
  id: `id-${i}`,
  time: new Date(1_700_000_000_000 + i).toISOString(),
  actor: { type: 'agent', id: 'a', name: null, onBehalfOf: 'alice' },
  action: 'order.refund',
  target: { type: 'order', id: String(i) },
  outcome: 'success',
  reason: null,
  metadata: { b: 1, a: [i, 'é'] },
  model: 'm',
  tool: 't',
  argumentsHash: null,
  clientIp: '127.0.0.1',
  requestId: 'r',
  submittedBy: 'user:admin',
})

t.test('the hash is over canonical JSON: key order does not matter, content does', async (t) => {
  const [e] = chainEntries(undefined, [draft(1)])
  t.equal(e.prevHash, GENESIS_HASH)
  const reordered = JSON.parse(JSON.stringify({ hash: e.hash, metadata: { a: e.metadata.a, b: 1 }, ...e }))
  t.equal(entryHash(reordered), e.hash)
  t.not(entryHash({ ...e, metadata: { b: 2, a: [1, 'é'] } }), e.hash)
  t.not(entryHash({ ...e, seq: 2 }), e.hash, 'the seq is part of the hash')
  // extra fields of a bundle line are not hashed
  t.equal(entryHash({ ...e, type: 'entry' } as typeof e), e.hash)
})

t.test('verifier: a good chain with checkpoints, and a bundle read line by line', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const keyId = keyIdOf(publicKey)
  const entries = chainEntries(undefined, Array.from({ length: 50 }, (_, i) => draft(i)))
  const cps = [10, 40].map((s) => signCheckpoint({ seq: s, hash: entries[s - 1].hash, time: 'now' }, privateKey, keyId))
  const v = new ChainVerifier(new Map([[keyId, publicKey]]))
  cps.forEach((c) => v.addCheckpoint(c))
  t.equal(entries.length, 50)
  t.ok(entries.every((e) => v.add(e)))
  t.same(v.finish(), { ok: true, checked: 50, firstBrokenSeq: null, reason: null, checkpointsVerified: 2, lastSeq: 50 })
  t.throws(() => v.addCheckpoint(cps[0]), /before the first entry/)

  const header = { type: 'header', format: 'mcp-audit-bundle', version: 1, exportedAt: 'now', publicKeys: [{ keyId, pem: publicKey.export({ type: 'spki', format: 'pem' }) }] }
  const lines = [header, ...cps.map((c) => ({ type: 'checkpoint', ...c })), ...entries.map((e) => ({ type: 'entry', ...e }))].map((x) => JSON.stringify(x))
  t.match(await verifyBundle(lines), { ok: true, checked: 50 })
  const late = [lines[0], ...lines.slice(3), lines[1]]
  await t.rejects(verifyBundle(late), /line 52: checkpoints must precede entries/)
  await t.rejects(verifyBundle(['{"type":"entry"}']), /line 1: the first line must be the mcp-audit-bundle header/)
  await t.rejects(verifyBundle([lines[0], 'nope']), /line 2: is not JSON/)
})

t.test('the signing key: generated once with mode 0600, reused, or given by MCP_AUDIT_SIGNING_KEY', async (t) => {
  const dir = tempDir(t)
  const first = loadSigningKey(undefined, dir)
  t.ok(first.generated)
  t.equal(statSync(join(dir, SIGNING_KEY_FILE)).mode & 0o777, 0o600)
  const again = loadSigningKey(undefined, dir)
  t.notOk(again.generated)
  t.equal(again.keyId, first.keyId)
  const pem = readFileSync(join(dir, SIGNING_KEY_FILE), 'utf8')
  t.equal(loadSigningKey(pem, tempDir(t)).keyId, first.keyId, 'PEM text in the variable')
  t.equal(loadSigningKey(join(dir, SIGNING_KEY_FILE), tempDir(t)).keyId, first.keyId, 'a path in the variable')
  t.throws(() => loadSigningKey('/no/such/key.pem', dir), /MCP_AUDIT_SIGNING_KEY: cannot read/)
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  t.throws(() => loadSigningKey(rsa, dir), /MCP_AUDIT_SIGNING_KEY: the key is rsa; an ed25519 key is required/)
  // the private key never reaches the database
  const { app, dataDir } = await build(t)
  await app.close()
  const db = readFileSync(join(dataDir, 'mcp.sqlite'))
  const priv = readFileSync(join(dataDir, SIGNING_KEY_FILE), 'utf8').split('\n').filter((l) => l && !l.startsWith('-----')).join('')
  t.equal(db.indexOf(priv), -1)
})
