import fp from 'fastify-plugin'
import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorRef, adminErrors } from '../schemas/common.js'
import { bodyCheckedByDomain } from '../http/validation.js'
import { keyIdOf, publicKeyFromPem } from '../domain/audit/hash-chain.js'
import { addTrustedKey } from '../domain/audit/adapters/key-files.js'
import { invalid } from '../domain/shared/errors.js'
import { AuditBatchResult, AuditBody, AuditEntrySchema, AuditPage, AuditQuery, PublicKey, VerifyReport } from '../schemas/audit.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app

  app.post('/audit', {
    auth: 'adminOrToken',
    // an ingest route like POST /events: agents write here at volume, so the same per-address limit
    // and no helmet headers on the answer
    helmet: false,
    config: { rateLimit: { max: config.ingestRateLimitMax, timeWindow: config.rateLimitWindowMs } },
    // items are validated in the audit service, which names the bad item of a batch
    validatorCompiler: bodyCheckedByDomain(app),
    schema: {
      tags: ['audit'],
      summary: 'Append one audit entry or a batch',
      description: `An admin or a bearer token; never anonymous. One entry answers 201 with the stored entry; an array of at most
${config.auditMaxBatch} entries is stored all or nothing and answers 201 with a receipt (id, seq, hash) per entry. The hub adds seq, id, time, the
client address, the request id, who authenticated (submittedBy), prevHash and hash. A 2xx means committed to disk.`,
      body: AuditBody,
      response: { 201: Type.Union([Type.Ref(AuditEntrySchema), Type.Ref(AuditBatchResult)]), 413: ErrorRef, 503: ErrorRef, ...adminErrors },
    },
  }, async (req, reply) => {
    const body = req.body as unknown
    const ctx = app.audit.contextOf(req)
    if (Array.isArray(body)) {
      const entries = await app.audit.appendBatch(body, ctx)
      // the receipts serialised directly: the schema's union would otherwise be resolved by validating
      // the answer against each of its branches, which cost as much as chaining the batch
      return reply.code(201).type('application/json').serializer(JSON.stringify)
        .send({ accepted: entries.map((e, index) => ({ index, id: e.id, seq: e.seq, hash: e.hash })) })
    }
    return reply.code(201).send(await app.audit.appendOne(body, ctx))
  })

  app.get('/audit', {
    auth: 'adminOrToken',
    schema: {
      tags: ['audit'],
      summary: 'Query the audit trail, newest first',
      querystring: AuditQuery,
      response: { 200: Type.Ref(AuditPage), ...adminErrors },
    },
  }, async (req) => app.audit.query(req.query))

  app.get('/audit/verify', {
    auth: 'admin',
    schema: {
      tags: ['audit'],
      summary: 'Check the hash chain and every checkpoint signature',
      description: 'ok=false names the first broken entry (firstBrokenSeq) and why: modified, deleted, inserted or reordered entries, a rewritten stretch, a forged checkpoint, a truncated tail.',
      response: { 200: Type.Ref(VerifyReport), ...adminErrors },
    },
  }, async () => app.audit.verify())

  app.get('/audit/public-key', {
    auth: 'public',
    schema: {
      tags: ['audit'],
      summary: 'The Ed25519 public key checkpoints are signed with',
      response: { 200: PublicKey },
    },
  }, async () => app.audit.publicKey())

  app.post('/audit/trusted-keys', {
    auth: 'admin',
    schema: {
      tags: ['audit'],
      summary: 'Trust an Ed25519 public key for checkpoints (e.g. of a trail to be imported)',
      description: 'The only way a key becomes trusted: a backup never adds one. Kept in <dataDir>/audit-trusted-keys/ and audited (audit.trust_key).',
      body: Type.Object({ pem: Type.String({ minLength: 1, maxLength: 4096, description: 'SPKI PEM, as GET /audit/public-key shows it' }) }, { additionalProperties: false }),
      response: { 201: Type.Object({ keyId: Type.String() }), ...adminErrors },
    },
  }, async (req, reply) => {
    const { pem } = req.body
    let keyId: string
    try {
      keyId = keyIdOf(publicKeyFromPem(pem))
    } catch (err) {
      throw invalid(`body/pem is not an Ed25519 public key: ${(err as Error).message}`)
    }
    await app.audit.change(req, 'audit.trust_key', { type: 'key', id: keyId }, async () => {
      app.audit.trustKey(addTrustedKey(config.dataDir, pem), pem)
    })
    return reply.code(201).send({ keyId })
  })

  app.get('/audit/export', {
    auth: 'admin',
    schema: {
      tags: ['audit'],
      summary: 'The trail as an offline-verifiable bundle (NDJSON)',
      description: 'A header with the public keys, then the checkpoints, then every entry in seq order. Verify it with `mcp-server audit verify bundle.ndjson`.',
      produces: ['application/x-ndjson'],
      response: { 200: Type.String({ description: 'NDJSON' }), ...adminErrors },
    },
  }, async (req, reply) => {
    reply.type('application/x-ndjson').header('content-disposition', 'attachment; filename="audit-bundle.ndjson"')
    // a stream, not the documented string: serialisation does not apply
    return reply.send(Readable.from(app.audit.bundleLines()) as unknown as string)
  })

  app.get('/audit/:id', {
    auth: 'adminOrToken',
    schema: {
      tags: ['audit'],
      summary: 'One audit entry by its id',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
      response: { 200: Type.Ref(AuditEntrySchema), 404: ErrorRef, ...adminErrors },
    },
  }, async (req, reply) => {
    const entry = await app.audit.get(req.params.id)
    if (!entry) return reply.notFound(`no audit entry with id ${req.params.id}`)
    return entry
  })
}

export default fp(routes, { name: 'routes/audit', dependencies: ['config', 'audit', 'auth'], encapsulate: true })
