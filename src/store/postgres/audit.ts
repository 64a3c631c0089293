// The audit area of the PostgreSQL engine: the same append-only, hash-chained tables as the SQLite
// engine (triggers refuse UPDATE, DELETE and TRUNCATE). Compare-and-append runs in one transaction
// under the schema's audit advisory lock, so appends from every instance are serialised and each sees
// the tail the one before it left: a chain from a stale tail is refused with a conflict, never stored
// beside another (the chain appender then reads the tail again and chains anew). Within one
// instance, appends run in the order they are called (a caller may chain from one still in flight).
import type { TransactionSql } from 'postgres'
import type { PgArea } from './area.js'
import { EMPTY_TRAIL, type AuditFilter, type AuditLink, type AuditStore } from '../ports/audit.js'
import type { AuditEntry, Checkpoint } from '../../domain/audit/hash-chain.js'
import { conflict, invalid } from '../../domain/shared/errors.js'
import { rowToEntry, toCheckpoint, type AuditRow, type CheckpointRow } from '../sqlite/audit.js'

const appendOnly = (table: string) => `
  CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_append_only();
  CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();`

const COLUMNS = 'seq, id, time, time_ms, actor_type, actor_id, actor_name, on_behalf_of, action, target_type, target_id, outcome, reason, metadata, model, tool, arguments_hash, client_ip, request_id, submitted_by, prev_hash, hash'
const TYPES = ['bigint', 'text', 'text', 'bigint', ...Array(16).fill('text'), 'text', 'text']
const INSERT = `INSERT INTO audit_entries (${COLUMNS}) SELECT * FROM unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`

export const auditLockKey = (schema: string) => `mcp-server:audit:${schema}`

/** the columns of entries, one array per column, in COLUMNS order */
function columnsOf (entries: AuditEntry[]): unknown[][] {
  const rows = entries.map((e) => [e.seq, e.id, e.time, Date.parse(e.time), e.actor.type, e.actor.id, e.actor.name, e.actor.onBehalfOf, e.action,
    e.target?.type ?? null, e.target?.id ?? null, e.outcome, e.reason, JSON.stringify(e.metadata), e.model, e.tool,
    e.argumentsHash, e.clientIp, e.requestId, e.submittedBy, e.prevHash, e.hash])
  return TYPES.map((_, c) => rows.map((r) => r[c]))
}

/** Compare-and-append in `tx`, under the audit lock: `entries` must continue the stored tail. */
export async function appendEntries (tx: TransactionSql, schema: string, entries: AuditEntry[]): Promise<void> {
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].seq !== entries[i - 1].seq + 1 || entries[i].prevHash !== entries[i - 1].hash) {
      throw invalid(`audit entry ${entries[i].seq} does not continue entry ${entries[i - 1].seq}`)
    }
  }
  await tx`SELECT pg_advisory_xact_lock(hashtext(${auditLockKey(schema)}))`
  const [tail = EMPTY_TRAIL] = await tx<AuditLink[]>`SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`
  const first = entries[0]
  if (first.seq !== tail.seq + 1 || first.prevHash !== tail.hash) {
    throw conflict(`the audit trail ends at seq ${tail.seq}: entry ${first.seq} does not continue it`)
  }
  await tx.unsafe(INSERT, columnsOf(entries) as never[], { prepare: true })
}

export const auditArea: PgArea<AuditStore> = {
  name: 'audit',
  migrations: [{
    version: 1,
    name: 'audit entries and checkpoints, append-only',
    up: `
      CREATE TABLE audit_entries (
        seq BIGINT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        time TEXT NOT NULL,
        time_ms BIGINT NOT NULL,
        actor_type TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT,
        on_behalf_of TEXT,
        action TEXT NOT NULL,
        target_type TEXT,
        target_id TEXT,
        outcome TEXT NOT NULL,
        reason TEXT,
        metadata TEXT NOT NULL,
        model TEXT,
        tool TEXT,
        arguments_hash TEXT,
        client_ip TEXT,
        request_id TEXT,
        submitted_by TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_actor ON audit_entries (actor_id, seq);
      CREATE INDEX audit_behalf ON audit_entries (on_behalf_of, seq) WHERE on_behalf_of IS NOT NULL;
      CREATE INDEX audit_action ON audit_entries (action text_pattern_ops, seq);
      CREATE INDEX audit_target ON audit_entries (target_type, target_id, seq);
      CREATE INDEX audit_time ON audit_entries (time_ms);
      CREATE TABLE audit_checkpoints (
        seq BIGINT PRIMARY KEY,
        hash TEXT NOT NULL,
        time TEXT NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL
      );
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
      ${appendOnly('audit_entries')}
      ${appendOnly('audit_checkpoints')}
    `,
  }],
  open ({ guarded, sql, schema }) {
    /** the previous append of this instance, settled or not: the next one starts after it */
    let last: Promise<unknown> = Promise.resolve()
    const rows = async (text: string, args: unknown[]) => (await guarded(() => sql.unsafe<AuditRow[]>(text, args as never[], { prepare: true }))).map(rowToEntry)
    return {
      append (entries) {
        if (entries.length === 0) return Promise.resolve()
        const run = last.then(() => guarded(() => sql.begin((tx) => appendEntries(tx, schema, entries))))
        last = run.catch(() => {})
        return run
      },
      async query (f: AuditFilter) {
        const where: string[] = []
        const args: unknown[] = []
        const arg = (v: unknown) => { args.push(v); return `$${args.length}` }
        if (f.actorId !== undefined) where.push(`actor_id = ${arg(f.actorId)}`)
        if (f.actorType !== undefined) where.push(`actor_type = ${arg(f.actorType)}`)
        if (f.onBehalfOf !== undefined) where.push(`on_behalf_of = ${arg(f.onBehalfOf)}`)
        // a range rather than LIKE: the index serves it and % or _ in the prefix mean nothing special
        if (f.actionPrefix !== undefined) where.push(`action ~>=~ ${arg(f.actionPrefix)} AND action ~<~ ${arg(f.actionPrefix + '\uffff')}`)
        if (f.targetType !== undefined) where.push(`target_type = ${arg(f.targetType)}`)
        if (f.targetId !== undefined) where.push(`target_id = ${arg(f.targetId)}`)
        if (f.outcome !== undefined) where.push(`outcome = ${arg(f.outcome)}`)
        if (f.since !== undefined) where.push(`time_ms >= ${arg(Math.floor(f.since))}`)
        if (f.until !== undefined) where.push(`time_ms < ${arg(Math.ceil(f.until))}`)
        if (f.beforeSeq !== undefined) where.push(`seq < ${arg(f.beforeSeq)}`)
        return await rows(`SELECT * FROM audit_entries${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${arg(f.limit)}`, args)
      },
      async get (id) {
        const [entry] = await rows('SELECT * FROM audit_entries WHERE id = $1', [id])
        return entry
      },
      async range (fromSeq, toSeq, limit) {
        return await rows('SELECT * FROM audit_entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3', [fromSeq, toSeq, limit])
      },
      async tail () {
        const [tail] = await guarded(() => sql<AuditLink[]>`SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1`)
        return tail
      },
      async count () {
        const [{ n }] = await guarded(() => sql<Array<{ n: number }>>`SELECT count(*)::bigint AS n FROM audit_entries`)
        return n
      },
      async addCheckpoint (c: Checkpoint) {
        await guarded(() => sql.begin(async (tx) => {
          const [at] = await tx<Array<{ hash: string }>>`SELECT hash FROM audit_entries WHERE seq = ${c.seq}`
          if (!at || at.hash !== c.hash) throw new Error(`checkpoint at seq ${c.seq} does not match the stored entry`)
          await tx`INSERT INTO audit_checkpoints (seq, hash, time, key_id, signature) VALUES (${c.seq}, ${c.hash}, ${c.time}, ${c.keyId}, ${c.signature}) ON CONFLICT DO NOTHING`
        }))
      },
      async checkpoints (upToSeq) {
        const list = await guarded(() => sql<CheckpointRow[]>`SELECT * FROM audit_checkpoints WHERE seq <= ${upToSeq} ORDER BY seq`)
        return list.map(toCheckpoint)
      },
      async lastCheckpoint () {
        const [row] = await guarded(() => sql<CheckpointRow[]>`SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`)
        return row ? toCheckpoint(row) : undefined
      },
    }
  },
}
