import fp from 'fastify-plugin'
import type { Store } from '../../store/ports/store.js'
import { createSqliteStore } from '../../store/sqlite/sqlite-store.js'

declare module 'fastify' {
  interface FastifyInstance { store: Store }
}

export default fp(async (app) => {
  const { dataDir, durability, writeQueueMax, writerMode } = app.config
  const store = await createSqliteStore({ dataDir, durability, writeQueueMax, writerMode })
  app.log.info({ engine: store.engine, file: store.file, durability, writerMode }, 'store opened')
  app.decorate('store', store)
  // last to close: routes and domain plugins flush into it first
  app.addHook('onClose', async () => { await store.close() })
}, { name: 'store', dependencies: ['config'] })
