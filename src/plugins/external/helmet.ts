import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

// Security headers for everything a browser loads. The ingest route opts out (helmet: false):
// services posting events gain nothing from them and they cost a third of its throughput.
export default fp(async (app) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
      },
    },
    // plain HTTP behind a proxy is supported; HSTS belongs to whoever terminates TLS
    strictTransportSecurity: false,
  })
}, { name: 'helmet' })
