// The API documentation: Swagger UI at /docs and the OpenAPI document at /docs/json, public.
import fp from 'fastify-plugin'
import swaggerUi from '@fastify/swagger-ui'

export default fp(async (app) => {
  // Swagger UI registers its own routes, which cannot carry an `auth` option: this scope declares it
  app.auth.scopeDefault(app, 'public')
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true }, staticCSP: true })
}, { name: 'routes/docs', dependencies: ['swagger', 'auth'], encapsulate: true })
