// The cluster area of the PostgreSQL engine: the leader's lease with its fencing token, the triggers that
// refuse a stale leader's writes, and the notifications that keep every instance's live view shared.
// It migrates last (the END of areas.ts): its triggers attach to the other areas' tables.
//
// Fencing: the leader writes through a pool whose connections carry `mcp.fence = <its token>` (a startup
// parameter, see fenced-store.ts). A statement on a fenced table from such a connection takes a share lock
// on the lease row and is refused (SQLSTATE 55MCF) when the lease's token has grown past it: a new leader
// took over. Connections without the setting (API writes of any instance) are not concerned.
import type { PgArea, PgContext } from './area.js'

/** the lease every instance competes for */
export const LEADER_LEASE = 'leader'
/** channel of definition changes (services, channels, rules, silences, maintenance) and of alerts changed by a follower: {area, kind?, id} */
export const CHANGES_CHANNEL = 'mcp_changes'
/** channel of new stream rows: {kind, from, to} (seqs, inclusive) */
export const STREAM_CHANNEL = 'mcp_stream'
/** the SQLSTATE of a write refused by the fence */
export const FENCED_SQLSTATE = '55MCF'

/** tables only leader-only jobs write (probes, alerts, the outbox, checkpoints): every write is fenced */
export const FENCED_TABLES = [
  'health_checks', 'health_service_state', 'health_incidents', 'health_rollups', 'health_daily',
  'notifier_alerts', 'notifier_items', 'notifier_outbox', 'notifier_deliveries', 'notifier_service_states',
  'audit_checkpoints',
]
/** tables the API writes but only retention deletes from: deletes are fenced */
export const FENCED_DELETES = ['events', 'stream_log']

const triggers = (tables: string[], ops: string) => tables.map((t) => `
  IF to_regclass('${t}') IS NOT NULL THEN
    CREATE TRIGGER ${t}_fence BEFORE ${ops} ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION mcp_fence_check();
  END IF;`).join('')

const v1 = `
CREATE TABLE cluster_lease (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  token BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  acquired_at BIGINT NOT NULL
);
-- the database's clock: every instance measures the lease on the same one
CREATE FUNCTION mcp_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE AS $$ SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint $$;
CREATE FUNCTION mcp_fence_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  fence TEXT := current_setting('mcp.fence', true);
  current_token BIGINT;
BEGIN
  IF fence IS NULL OR fence = '' THEN RETURN NULL; END IF;
  -- the share lock orders this write against a takeover: a takeover commits before it or waits for it
  SELECT token INTO current_token FROM cluster_lease WHERE name = '${LEADER_LEASE}' FOR SHARE;
  IF current_token IS NOT NULL AND fence::bigint < current_token THEN
    RAISE EXCEPTION 'write refused: leader token % is older than the lease''s token %', fence, current_token
      USING ERRCODE = '${FENCED_SQLSTATE}';
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION mcp_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF TG_TABLE_NAME = 'notifier_alerts' THEN
    -- an alert changed by an instance that does not lead (an acknowledgement): the leader takes it up
    IF coalesce(current_setting('mcp.fence', true), '') = '' THEN
      PERFORM pg_notify('${CHANGES_CHANNEL}', json_build_object('area', 'alert', 'id', r.id)::text);
    END IF;
  ELSIF TG_TABLE_NAME = 'health_services' THEN
    PERFORM pg_notify('${CHANGES_CHANNEL}', json_build_object('area', 'health', 'id', r.name)::text);
  ELSE
    PERFORM pg_notify('${CHANGES_CHANNEL}', json_build_object('area', 'notifier', 'kind', r.kind, 'id', r.id)::text);
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION mcp_notify_stream() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'stream_log' THEN
    PERFORM pg_notify('${STREAM_CHANNEL}', json_build_object('kind', n.kind, 'from', min(n.seq), 'to', max(n.seq))::text)
      FROM new_rows n GROUP BY n.kind;
  ELSE
    PERFORM pg_notify('${STREAM_CHANNEL}', json_build_object('kind', TG_ARGV[0], 'from', min(n.seq), 'to', max(n.seq))::text)
      FROM new_rows n HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END $$;
DO $$ BEGIN
  ${triggers(FENCED_TABLES, 'INSERT OR UPDATE OR DELETE')}
  ${triggers(FENCED_DELETES, 'DELETE')}
  IF to_regclass('health_services') IS NOT NULL THEN
    CREATE TRIGGER health_services_changed AFTER INSERT OR UPDATE OR DELETE ON health_services FOR EACH ROW EXECUTE FUNCTION mcp_notify_change();
  END IF;
  IF to_regclass('notifier_definitions') IS NOT NULL THEN
    CREATE TRIGGER notifier_definitions_changed AFTER INSERT OR UPDATE OR DELETE ON notifier_definitions FOR EACH ROW EXECUTE FUNCTION mcp_notify_change();
  END IF;
  IF to_regclass('notifier_alerts') IS NOT NULL THEN
    CREATE TRIGGER notifier_alerts_changed AFTER UPDATE ON notifier_alerts FOR EACH ROW EXECUTE FUNCTION mcp_notify_change();
  END IF;
  IF to_regclass('events') IS NOT NULL THEN
    CREATE TRIGGER events_streamed AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mcp_notify_stream('event');
  END IF;
  IF to_regclass('audit_entries') IS NOT NULL THEN
    CREATE TRIGGER audit_entries_streamed AFTER INSERT ON audit_entries REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mcp_notify_stream('audit');
  END IF;
  IF to_regclass('stream_log') IS NOT NULL THEN
    CREATE TRIGGER stream_log_streamed AFTER INSERT ON stream_log REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mcp_notify_stream('log');
  END IF;
END $$;
`

export interface LeaseStore {
  /**
   * Takes or renews the lease for `ttlMs` (the database's clock): answers the fencing token, or null when
   * another holder's lease is still running. The token grows by one at each new holding (a new holder, or
   * this holder again after its lease ran out).
   */
  acquire (holder: string, ttlMs: number): Promise<number | null>
  /** Ends this holder's lease now, so another instance takes over without waiting for its expiry. */
  release (holder: string): Promise<void>
  /** the lease as stored, or null before anyone held it */
  current (): Promise<{ holder: string, token: number, expiresAt: number } | null>
}

export function openLeaseStore ({ guarded, sql }: PgContext): LeaseStore {
  return {
    async acquire (holder, ttlMs) {
      // a running lease of another holder: answered without touching the row (the upsert below locks it
      // even when it changes nothing, and the leader's fenced writes hold share locks on it)
      const held = await guarded(() => sql<Array<{ n: number }>>`
        SELECT 1 AS n FROM cluster_lease WHERE name = ${LEADER_LEASE} AND holder <> ${holder} AND expires_at >= mcp_now_ms()`)
      if (held.length > 0) return null
      const rows = await guarded(() => sql<Array<{ token: number }>>`
        INSERT INTO cluster_lease AS l (name, holder, token, expires_at, acquired_at)
        VALUES (${LEADER_LEASE}, ${holder}, 1, mcp_now_ms() + ${ttlMs}, mcp_now_ms())
        ON CONFLICT (name) DO UPDATE SET
          token = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at >= mcp_now_ms() THEN l.token ELSE l.token + 1 END,
          acquired_at = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at >= mcp_now_ms() THEN l.acquired_at ELSE EXCLUDED.acquired_at END,
          holder = EXCLUDED.holder,
          expires_at = EXCLUDED.expires_at
        WHERE l.holder = EXCLUDED.holder OR l.expires_at < mcp_now_ms()
        RETURNING l.token`)
      return rows.length > 0 ? rows[0].token : null
    },
    async release (holder) {
      await guarded(() => sql`UPDATE cluster_lease SET expires_at = 0 WHERE name = ${LEADER_LEASE} AND holder = ${holder}`)
    },
    async current () {
      const rows = await guarded(() => sql<Array<{ holder: string, token: number, expires_at: number }>>`
        SELECT holder, token, expires_at FROM cluster_lease WHERE name = ${LEADER_LEASE}`)
      return rows.length > 0 ? { holder: rows[0].holder, token: rows[0].token, expiresAt: rows[0].expires_at } : null
    },
  }
}

export const clusterArea: PgArea<LeaseStore> = {
  name: 'cluster',
  migrations: [{ version: 1, name: 'leader lease, fencing and change notifications', up: v1 }],
  open: openLeaseStore,
}
