// The agent-token area: one row per token, the secret only as its hash.
import type Database from 'better-sqlite3'
import type { AgentTokenRecord, AgentTokenStore } from '../ports/agent-tokens.js'
import { conflict } from '../../domain/shared/errors.js'
import { sql, statementCache, type SqliteArea, type Writer } from './area.js'

export interface TokenRow {
  id: string
  agent_id: string
  name: string
  scopes: string
  secret_hash: string
  created_at: string
  created_by: string
  expires_at: string | null
  revoked_at: string | null
  last_used_at: string | null
}

export const toRecord = (r: TokenRow): AgentTokenRecord => ({
  id: r.id,
  agentId: r.agent_id,
  name: r.name,
  scopes: JSON.parse(r.scopes),
  secretHash: r.secret_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
})

export const agentTokensArea: SqliteArea = {
  name: 'agent_tokens',
  migrations: [{
    version: 1,
    name: 'agent tokens',
    up: `
      CREATE TABLE agent_tokens (
        id TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT,
        last_used_at TEXT
      );
      CREATE INDEX agent_tokens_agent ON agent_tokens (agent_id, created_at);`,
  }],
  exportTables: [{ table: 'agent_tokens', key: 'id', order: 'created_at' }],
  writeOps: {
    'agent_tokens.create' (db, t: AgentTokenRecord): AgentTokenRecord {
      const res = sql(db)(`INSERT INTO agent_tokens (id, agent_id, name, scopes, secret_hash, created_at, created_by, expires_at, revoked_at, last_used_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
        .run(t.id, t.agentId, t.name, JSON.stringify(t.scopes), t.secretHash, t.createdAt, t.createdBy, t.expiresAt, t.revokedAt, t.lastUsedAt)
      if (res.changes === 0) throw conflict(`token ${t.id} already exists`)
      return t
    },
    'agent_tokens.revoke' (db, { id, at }: { id: string, at: string }): AgentTokenRecord | null {
      const q = sql(db)
      q('UPDATE agent_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id)
      const row = q('SELECT * FROM agent_tokens WHERE id = ?').get(id) as TokenRow | undefined
      return row ? toRecord(row) : null
    },
    'agent_tokens.touch' (db, { id, at }: { id: string, at: string }): void {
      sql(db)('UPDATE agent_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)').run(at, id, at)
    },
  },
}

export function sqliteAgentTokenStore (reader: Database.Database, writer: Writer): AgentTokenStore {
  const q = statementCache(reader)
  return {
    create: (token) => writer.submit<AgentTokenRecord>('agent_tokens.create', token, 1),
    async get (id) {
      const row = q('SELECT * FROM agent_tokens WHERE id = ?').get(id) as TokenRow | undefined
      return row ? toRecord(row) : undefined
    },
    async list ({ agentId }) {
      const rows = agentId === undefined
        ? q('SELECT * FROM agent_tokens ORDER BY created_at DESC, id DESC').all()
        : q('SELECT * FROM agent_tokens WHERE agent_id = ? ORDER BY created_at DESC, id DESC').all(agentId)
      return (rows as TokenRow[]).map(toRecord)
    },
    async revoke (id, at) {
      return (await writer.submit<AgentTokenRecord | null>('agent_tokens.revoke', { id, at }, 1)) ?? undefined
    },
    async touch (id, at) {
      await writer.submit('agent_tokens.touch', { id, at }, 1)
    },
  }
}
