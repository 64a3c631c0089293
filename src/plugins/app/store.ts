import fp from 'fastify-plugin'
import type { Store } from '../../store/ports/store.js'
import { createSqliteStore } from '../../store/sqlite/sqlite-store.js'

declare module 'fastify' {
  interface FastifyInstance { store: Store }
}

export default fp(async (app) => {
  const { dataDir, durability, writeQueueMax, writerMode, databaseUrl, databaseSchema, databasePoolMax } = app.config
  let store: Store
  if (databaseUrl) {
    // loaded only for this engine: the driver and its areas stay out of a SQLite hub's memory
    const { createPostgresStore, redactUrl } = await import('../../store/postgres/postgres-store.js')
    const pg = await createPostgresStore({ url: databaseUrl, schema: databaseSchema, poolMax: databasePoolMax })
    app.log.info({ engine: pg.engine, database: redactUrl(databaseUrl), schema: pg.schema, migrationsApplied: pg.applied.length }, 'store opened')
    store = pg
  } else {
    const lite = await createSqliteStore({ dataDir, durability, writeQueueMax, writerMode })
    app.log.info({ engine: lite.engine, file: lite.file, durability, writerMode }, 'store opened')
    store = lite
  }
  app.decorate('store', store)
  // last to close: routes and domain plugins flush into it first
  app.addHook('onClose', async () => { await store.close() })
}, { name: 'store', dependencies: ['config'] })
