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

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app

  // Backups are large: NDJSON has its own, larger body limit, in this scope only.
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: config.importMaxBytes }, (_req, body, done) => done(null, body))

  app.get('/export', {
    auth: 'admin',
    schema: {
      tags: ['backup'],
      summary: 'A consistent NDJSON snapshot of every table',
      description: 'A header line (format, version, tables, the public keys of the audit checkpoints), then one {"table", "row"} line per row, read in one read transaction.',
      produces: ['application/x-ndjson'],
      response: { 200: Type.String({ description: 'NDJSON' }), ...adminErrors },
    },
  }, async (req, reply) => {
    await app.audit.record(req, 'backup.export', null, 'success', { tables: app.backup.tables() })
    reply.type('application/x-ndjson').header('content-disposition', 'attachment; filename="mcp-backup.ndjson"')
    return reply.send(Readable.from(app.backup.exportLines()) as unknown as string)
  })

  app.post('/import', {
    auth: 'admin',
    bodyLimit: config.importMaxBytes,
    // the body is checked line by line by importBackup; another content type answers 415 below
    validatorCompiler: bodyCheckedByDomain(app),
    schema: {
      tags: ['backup'],
      summary: 'Restore a backup made by GET /export (all or nothing, idempotent by id)',
      description: `Content-Type application/x-ndjson, at most ${config.importMaxBytes} bytes (MCP_IMPORT_MAX_BYTES). Every line is validated and the
audit trail it carries must verify, or nothing is stored (400 names the line, or the first broken entry). Rows whose id already
exists are skipped; an audit entry whose id exists must be the very same entry.`,
      consumes: ['application/x-ndjson'],
      body: Type.String({ description: 'NDJSON' }),
      response: {
        200: Type.Object({
          inserted: Type.Record(Type.String(), Type.Integer()),
          skipped: Type.Record(Type.String(), Type.Integer()),
          audit: Type.Ref(VerifyReport),
        }),
        400: ImportRefused,
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
    const outcome = await app.audit.change(req, 'backup.import', null, async () => {
      try {
        return await app.backup.import(ndjson)
      } catch (err) {
        if (isDomainError(err)) req.log.warn({ reason: err.message }, 'import refused')
        throw err
      }
    }, {
      metadata: (o) => o ? { inserted: o.inserted, skipped: o.skipped } : {},
      // Logged, not audited: a refused import changed nothing, and an entry in a fresh hub's trail
      // would stop the corrected backup's trail from being restored.
      recordsFailure: () => false,
    })
    return { inserted: outcome.inserted, skipped: outcome.skipped, audit: outcome.audit }
  })
}

export default fp(routes, { name: 'routes/backup', dependencies: ['config', 'backup', 'audit', 'auth'], encapsulate: true })
