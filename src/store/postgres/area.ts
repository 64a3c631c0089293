// One storage area (events, checks, audit, …) of the PostgreSQL engine: its versioned migrations and
// the factory of its port implementation. Unlike SQLite there is no single writer: each area writes
// through the pool, and serialises what must be serialised (the audit chain) inside PostgreSQL.
import type { Sql } from 'postgres'
import type { Guard } from './errors.js'

export interface PgMigration { version: number, name: string, up: string }

/** What an area's store is built from: the pool, already bound to the hub's schema. */
export interface PgContext {
  sql: Sql
  /** the schema every table lives in (search_path is set to it on every connection) */
  schema: string
  /** runs a call on this pool: a lost or unreachable database becomes StoreUnavailableError (errors.ts) */
  guarded: Guard
}

export interface PgArea<S = unknown> {
  name: string
  migrations: PgMigration[]
  /** builds the area's port implementation */
  open (ctx: PgContext): S
}
