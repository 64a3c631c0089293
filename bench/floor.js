// The floor: bare Fastify that parses the same JSON body and answers without storing anything.
import Fastify from 'fastify'

const app = Fastify({ bodyLimit: 4 * 1024 * 1024 })
app.post('/events', async (req, reply) => {
  const body = req.body
  return reply.code(201).send(Array.isArray(body) ? { accepted: body.length } : { ok: true })
})
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`listening at http://127.0.0.1:${app.server.address().port}\n`)
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
