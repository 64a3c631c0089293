import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { fileURLToPath } from 'node:url'

// The dashboard: static files, behind admin auth like the API it calls.
export default fp(async (app) => {
  await app.register(async (scope) => {
    scope.addHook('onRequest', scope.auth.admin)
    await scope.register(fastifyStatic, {
      root: fileURLToPath(new URL('../../../static/', import.meta.url)),
      prefix: '/',
      index: 'index.html',
      wildcard: false,
      schemaHide: true,
    })
  })
}, { name: 'dashboard', dependencies: ['auth'] })
