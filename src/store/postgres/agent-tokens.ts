// The agent-token area of the PostgreSQL engine: one row per token, the secret only as its hash, the
// same table as the SQLite engine. Revoke and touch are conditional updates, right from any instance.
import type { PgArea } from './area.js'
import type { AgentTokenStore } from '../ports/agent-tokens.js'
// the row mapper is the SQLite engine's: the same table, the same columns
import { toRecord, type TokenRow } from '../sqlite/agent-tokens.js'
import { conflict } from '../../domain/shared/errors.js'

export const agentTokensArea: PgArea<AgentTokenStore> = {
  name: 'agent_tokens',
  migrations: [{
    version: 1,
    name: 'agent tokens',
    up: `
      CREATE TABLE agent_tokens (
        id TEXT COLLATE "C" PRIMARY KEY,
        agent_id TEXT COLLATE "C" NOT NULL,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        created_by TEXT NOT NULL,
        expires_at TEXT COLLATE "C",
        revoked_at TEXT COLLATE "C",
        last_used_at TEXT COLLATE "C"
      );
      CREATE INDEX agent_tokens_agent ON agent_tokens (agent_id, created_at);`,
  }],
  open ({ guarded, sql }) {
    return {
      create: (t) => guarded(async () => {
        const res = await sql`INSERT INTO agent_tokens (id, agent_id, name, scopes, secret_hash, created_at, created_by, expires_at, revoked_at, last_used_at)
          VALUES (${t.id}, ${t.agentId}, ${t.name}, ${JSON.stringify(t.scopes)}, ${t.secretHash}, ${t.createdAt}, ${t.createdBy}, ${t.expiresAt}, ${t.revokedAt}, ${t.lastUsedAt})
          ON CONFLICT DO NOTHING`
        if (res.count === 0) throw conflict(`token ${t.id} already exists`)
        return t
      }),
      get: (id) => guarded(async () => {
        const [row] = await sql<TokenRow[]>`SELECT * FROM agent_tokens WHERE id = ${id}`
        return row ? toRecord(row) : undefined
      }),
      list: ({ agentId }) => guarded(async () => {
        const rows = await sql<TokenRow[]>`SELECT * FROM agent_tokens ${agentId === undefined ? sql`` : sql`WHERE agent_id = ${agentId}`}
          ORDER BY created_at DESC, id DESC`
        return rows.map(toRecord)
      }),
      revoke: (id, at) => guarded(async () => {
        // two statements: the SELECT's own snapshot sees a revoke another instance committed meanwhile
        await sql`UPDATE agent_tokens SET revoked_at = ${at} WHERE id = ${id} AND revoked_at IS NULL`
        const [row] = await sql<TokenRow[]>`SELECT * FROM agent_tokens WHERE id = ${id}`
        return row ? toRecord(row) : undefined
      }),
      touch: (id, at) => guarded(async () => {
        await sql`UPDATE agent_tokens SET last_used_at = ${at} WHERE id = ${id} AND (last_used_at IS NULL OR last_used_at < ${at})`
      }),
    }
  },
}
