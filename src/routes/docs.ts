// The API documentation: Swagger UI at /docs and the OpenAPI document at /docs/json.
import fp from 'fastify-plugin'
import swaggerUi from '@fastify/swagger-ui'

export default fp(async (app) => {
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true }, staticCSP: true })
}, { name: 'routes/docs', dependencies: ['swagger'], encapsulate: true })
