import fp from 'fastify-plugin'
import cors from '@fastify/cors'

// An explicit allow-list; with none configured no cross-origin request is allowed.
export default fp(async (app) => {
  const origins = app.config.corsOrigins
  await app.register(cors, {
    origin: origins.length === 0 ? false : origins,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
  })
}, { name: 'cors', dependencies: ['config'] })
