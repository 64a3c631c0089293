// The backup plugin decorates app.backup: the export as NDJSON lines, and an import that restores
// all or nothing and never trusts a key the backup names.
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { build } from '../helper.js'

t.test('app.backup exports from one hub and imports into another, without trusting its keys', async (t) => {
  const a = await build(t)
  await a.app.events.ingestOne({ type: 'order.created', source: 'order' })
  await a.app.audit.checkpoint()
  let text = ''
  for await (const chunk of a.app.backup.exportLines()) text += chunk
  const header = JSON.parse(text.split('\n')[0])
  t.same(header.tables, a.app.backup.tables())
  t.match(header.publicKeys, [{ keyId: a.app.audit.publicKey().keyId }])

  const b = await build(t)
  const keyId = a.app.audit.publicKey().keyId
  t.notOk(b.app.audit.trustedKeys().has(keyId))
  const outcome = await b.app.backup.import(text)
  t.match(outcome, { inserted: { events: 1 }, audit: { ok: true } })
  t.notOk('definitions' in outcome, 'the plugin hands the imported definitions to the catalogues itself')
  t.notOk(b.app.audit.trustedKeys().has(keyId), "A's key is not trusted in B: the header named it, no admin trusted it")
  t.notOk(existsSync(join(b.dataDir, 'audit-trusted-keys', `${keyId}.pem`)), 'nor kept on disk')
  await t.rejects(b.app.backup.import('not json'), { kind: 'invalid', message: /line 1: not valid JSON/ })
})
