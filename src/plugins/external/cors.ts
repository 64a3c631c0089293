import fp from 'fastify-plugin'
import cors from '@fastify/cors'

// An explicit allow-list. With none configured no cross-origin request is allowed, which is what a
// browser does anyway without CORS headers: the plugin is then not registered at all, so its hook
// does not run on every request.
export default fp(async (app) => {
  const origins = app.config.corsOrigins
  if (origins.length === 0) return
  await app.register(cors, {
    origin: origins,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
  })
}, { name: 'cors', dependencies: ['config'] })
