// The PostgreSQL driver, chosen by measurement: `postgres` (porsager) against `pg` (node-postgres) on
// the insert shapes the events area uses: one statement of 1000 events as unnest arrays, and single
// events from 50 concurrent callers on a pool of 10 (each an INSERT … RETURNING seq). Same table,
// same rows, a fresh schema per run, alternating drivers over rounds; medians. `pg` is not a
// dependency of the hub: install it apart and name its folder:
//   npm install --prefix /tmp/pgcmp pg@8 && PG_MODULE_DIR=/tmp/pgcmp node bench/pg-drivers.js
import { createRequire } from 'node:module'
import { join } from 'node:path'
import postgres from 'postgres'
import { median, fmt } from './lib.js'

const URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const BATCHES = 40
const SINGLES = 4000
if (!process.env.PG_MODULE_DIR) throw new Error('set PG_MODULE_DIR to a folder where `pg` is installed (see the top of this file)')
const pg = createRequire(join(process.env.PG_MODULE_DIR, 'package.json'))('pg')

const TABLE = `CREATE TABLE ev (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, source TEXT, payload TEXT NOT NULL, received_at BIGINT NOT NULL);
  CREATE INDEX ev_type ON ev (type, seq)`
const UNNEST = 'INSERT INTO ev (id, type, source, payload, received_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) RETURNING seq'
const SINGLE = 'INSERT INTO ev (id, type, source, payload, received_at) VALUES ($1, $2, $3, $4, $5) RETURNING seq'
const payload = JSON.stringify({ cartId: 1, items: 3, total: 4.5, note: 'x'.repeat(60) })
let n = 0
const columns = (k) => {
  const c = [[], [], [], [], []]
  for (let i = 0; i < k; i++) { c[0].push(`e-${n++}`); c[1].push('cart.updated'); c[2].push('cart'); c[3].push(payload); c[4].push(Date.now()) }
  return c
}

const drivers = {
  postgres: (schema) => {
    const sql = postgres(URL, { max: 10, onnotice: () => {}, connection: { search_path: schema } })
    return { batch: (c) => sql.unsafe(UNNEST, c, { prepare: true }), single: (r) => sql.unsafe(SINGLE, r, { prepare: true }), end: () => sql.end() }
  },
  pg: (schema) => {
    const pool = new pg.Pool({ connectionString: URL, max: 10, options: `-c search_path=${schema}` })
    return { batch: (c) => pool.query({ name: 'unnest', text: UNNEST, values: c }), single: (r) => pool.query({ name: 'single', text: SINGLE, values: r }), end: () => pool.end() }
  },
}

async function measure (name) {
  const admin = postgres(URL, { max: 1, onnotice: () => {} })
  const schema = `mcp_drv_${process.pid}_${name}`
  await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${TABLE}`)
  const d = drivers[name](schema)
  try {
    await d.batch(columns(10)); await d.single(columns(1).map((x) => x[0]))
    let t0 = performance.now()
    for (let b = 0; b < BATCHES; b++) await d.batch(columns(1000))
    const batchRate = BATCHES * 1000 / ((performance.now() - t0) / 1000)
    t0 = performance.now()
    let left = SINGLES
    await Promise.all(Array.from({ length: 50 }, async () => { while (left-- > 0) await d.single(columns(1).map((x) => x[0])) }))
    const singleRate = SINGLES / ((performance.now() - t0) / 1000)
    return { batchRate, singleRate }
  } finally {
    await d.end()
    await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`)
    await admin.end()
  }
}

const runs = { postgres: [], pg: [] }
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 ? ['pg', 'postgres'] : ['postgres', 'pg']) runs[name].push(await measure(name))
}
console.log(`## PostgreSQL drivers (median of ${ROUNDS} rounds; ${BATCHES} × 1000-row unnest inserts, ${SINGLES} single inserts from 50 callers on a pool of 10)`)
for (const [name, list] of Object.entries(runs)) {
  console.log(`  ${name.padEnd(8)} batches ${fmt(median(list.map((r) => r.batchRate))).padStart(8)} rows/s   single ${fmt(median(list.map((r) => r.singleRate))).padStart(7)} inserts/s`)
}
