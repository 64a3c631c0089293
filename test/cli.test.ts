// The offline verifier really runs as a child process, on a bundle exported by the hub.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPairSync } from 'node:crypto'
import { build, adminHeaders, tempDir } from './helper.js'
import { PROCESS_TEST_TIMEOUT_MS, runCli } from './server-process.js'

// every run of the CLI here transpiles the sources first
t.setTimeout(PROCESS_TEST_TIMEOUT_MS)

t.test('mcp-server audit verify on a good and on a tampered bundle', async (t) => {
  const dir = tempDir(t)
  const { app } = await build(t, { auditCheckpointEvery: 5 })
  for (let i = 0; i < 3; i++) {
    await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: Array.from({ length: 5 }, (_, j) => ({ actor: { type: 'user', id: 'bob' }, action: 'order.refund', outcome: 'success', metadata: { i, j } })) })
  }
  await app.audit.checkpoint()
  const bundle = (await app.inject({ url: '/audit/export', headers: adminHeaders })).body
  const good = join(dir, 'good.ndjson')
  writeFileSync(good, bundle)

  const ok = await runCli(['audit', 'verify', good])
  t.equal(ok.code, 0, ok.stderr)
  t.match(JSON.parse(ok.stdout), { ok: true, checked: 15, firstBrokenSeq: null, checkpointsVerified: 3 })

  const lines = bundle.trim().split('\n')
  const i = lines.findIndex((l) => JSON.parse(l).seq === 7 && JSON.parse(l).type === 'entry')
  const changed = JSON.parse(lines[i])
  changed.outcome = 'denied'
  lines[i] = JSON.stringify(changed)
  const bad = join(dir, 'tampered.ndjson')
  writeFileSync(bad, lines.join('\n') + '\n')
  const broken = await runCli(['audit', 'verify', bad])
  t.equal(broken.code, 1)
  t.match(JSON.parse(broken.stdout), { ok: false, firstBrokenSeq: 7 })
  t.match(broken.stderr, /BROKEN at seq 7: entry 7 was modified/)

  // the hub's own public key, kept apart, rules out a bundle re-signed with another key
  const hubKey = join(dir, 'hub.pem')
  writeFileSync(hubKey, app.audit.publicKey().pem)
  t.equal((await runCli(['audit', 'verify', good, '--public-key', hubKey])).code, 0)
  const otherKey = join(dir, 'other.pem')
  writeFileSync(otherKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string)
  const foreign = await runCli(['audit', 'verify', good, '--public-key', otherKey])
  t.equal(foreign.code, 1)
  t.match(foreign.stderr, /unknown key/)

  const usage = await runCli(['audit', 'check'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /usage: mcp-server audit verify/)
})
