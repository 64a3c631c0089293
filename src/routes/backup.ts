import fp from 'fastify-plugin'
import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorRef, adminErrors } from '../schemas/common.js'
import { bodyCheckedByDomain } from '../http/validation.js'
import { VerifyReport } from '../schemas/audit.js'
import { isDomainError } from '../domain/shared/errors.js'

const ImportRefused = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  line: Type.Optional(Type.Integer({ description: 'the line at fault' })),
  firstBrokenSeq: Type.Optional(Type.Integer({ description: "the first broken entry of the backup's audit trail" })),
})

const BackupKeyHeader = Type.Object({
  'x-backup-key': Type.Optional(Type.String({ minLength: 12, maxLength: 1024, description: 'seals (export) or opens (import) the channel secrets; without it, an export leaves them out' })),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app

  // Backups are large: NDJSON has its own, larger body limit, in this scope only.
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: config.importMaxBytes }, (_req, body, done) => done(null, body))

  app.get('/export', {
    auth: 'admin',
    schema: {
      tags: ['backup'],
      summary: 'A consistent NDJSON snapshot of the data and the API definitions',
      description: `A header line (format, version 2, tables, secretsOmitted, the public keys of the audit checkpoints), then one {"table", "row"} line per row,
read in one read transaction: events, the audit trail, the context registry, agent tokens, API services, channels, rules, silences and
maintenance windows. Channel secrets are sealed with X-Backup-Key (scrypt, AES-256-GCM) or, without it, masked and flagged (secretsOmitted).`,
      headers: BackupKeyHeader,
      produces: ['application/x-ndjson'],
      response: { 200: Type.String({ description: 'NDJSON' }), ...adminErrors },
    },
  }, async (req, reply) => {
    const passphrase = req.headers['x-backup-key']
    await app.audit.record(req, 'backup.export', null, 'success', { tables: app.backup.tables(), secrets: passphrase === undefined ? 'omitted' : 'sealed' })
    // the snapshot's trail ends signed, so another hub holding its start can take all of it
    await app.audit.checkpoint()
    const lines = app.backup.exportLines(passphrase)
    // derive the key (and refuse a bad one) before the 200 goes out
    const first = await lines.next()
    async function * all () { if (!first.done) yield first.value; yield * lines }
    reply.type('application/x-ndjson').header('content-disposition', 'attachment; filename="mcp-backup.ndjson"')
    return reply.send(Readable.from(all()) as unknown as string)
  })

  app.post('/import', {
    auth: 'admin',
    bodyLimit: config.importMaxBytes,
    // the body is checked line by line by importBackup; another content type answers 415 below
    validatorCompiler: bodyCheckedByDomain(app),
    schema: {
      tags: ['backup'],
      summary: 'Restore or merge a backup made by GET /export (all or nothing, idempotent)',
      description: `Content-Type application/x-ndjson, at most ${config.importMaxBytes} bytes (MCP_IMPORT_MAX_BYTES). Every row is validated as the API
would, or nothing is stored (400 names the line). Rows whose key already exists are skipped, events take new seqs and a duplicate
(same source + producer id) is skipped, so importing twice changes nothing. The audit trail imports only into an empty trail, or one
it continues under checkpoints signed by keys this hub already trusts (409 otherwise); ?audit=skip restores the rest without it.
A backup never adds a trusted key (POST /audit/trusted-keys does).`,
      headers: BackupKeyHeader,
      querystring: Type.Object({ audit: Type.Optional(Type.Union([Type.Literal('import'), Type.Literal('skip')], { description: "'skip' restores everything but the audit trail" })) }),
      consumes: ['application/x-ndjson'],
      body: Type.String({ description: 'NDJSON' }),
      response: {
        200: Type.Object({
          inserted: Type.Record(Type.String(), Type.Integer()),
          skipped: Type.Record(Type.String(), Type.Integer()),
          audit: Type.Union([Type.Ref(VerifyReport), Type.Null()], { description: "the backup's trail as verified; null with ?audit=skip" }),
          untrustedKeys: Type.Array(Type.String(), { description: 'checkpoint keys of the restored trail this hub does not trust yet' }),
          channelsNeedingSecrets: Type.Array(Type.String(), { description: 'channels restored disabled, without their secrets' }),
        }),
        400: ImportRefused,
        409: ErrorRef,
        413: ErrorRef,
        415: ErrorRef,
        401: ErrorRef,
        429: ErrorRef,
        503: ErrorRef,
      },
    },
  }, async (req) => {
    if (typeof req.body !== 'string') throw app.httpErrors.unsupportedMediaType('body must be NDJSON (Content-Type: application/x-ndjson)')
    const ndjson = req.body
    const request = { passphrase: req.headers['x-backup-key'], audit: req.query.audit }
    const outcome = await app.audit.change(req, 'backup.import', null, async () => {
      try {
        return await app.backup.import(ndjson, request)
      } catch (err) {
        if (isDomainError(err)) req.log.warn({ reason: err.message }, 'import refused')
        throw err
      }
    }, {
      metadata: (o) => o ? { inserted: o.inserted, skipped: o.skipped, audit: request.audit ?? 'import', channelsNeedingSecrets: o.channelsNeedingSecrets } : {},
      // Logged, not audited: a refused import changed nothing, and an entry in a fresh hub's trail
      // would stop the corrected backup's trail from being restored.
      recordsFailure: () => false,
    })
    return outcome
  })
}

export default fp(routes, { name: 'routes/backup', dependencies: ['config', 'backup', 'audit', 'auth'], encapsulate: true })
