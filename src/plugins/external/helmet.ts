import fp from 'fastify-plugin'
import helmet from 'helmet'
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { hookList } from '../../http/route-hooks.js'

declare module 'fastify' {
  interface RouteShorthandOptions {
    /** false: no security headers on this route (machine-to-machine endpoints) */
    helmet?: false
  }
  interface FastifyInstance {
    /** sets the security headers on a reply: for answers that a guard sends before the route's own hook ran */
    securityHeaders (req: FastifyRequest, reply: FastifyReply): Promise<void>
  }
}

// Security headers for everything a browser loads, set by helmet itself. The hook is attached to each
// route rather than to the root (as @fastify/helmet does): a root hook runs on every request, so the
// routes that opt out (helmet: false — ingest, where services gain nothing from the headers) still paid
// for it on their hottest path.
export default fp(async (app) => {
  const setHeaders = helmet({
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
  const headers: onRequestHookHandler = (req, reply, done) => { setHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)) }
  app.decorate('securityHeaders', (req: FastifyRequest, reply: FastifyReply) => new Promise<void>((resolve, reject) => {
    setHeaders(req.raw, reply.raw, (err) => { if (err) reject(err instanceof Error ? err : new Error(String(err))); else resolve() })
  }))
  app.addHook('onRoute', (route) => {
    if (route.helmet === false) return
    route.onRequest = [headers, ...hookList(route.onRequest)]
  })
  // unknown paths answer from the not-found handler, which no route hook covers
  app.addHook('onRequest', (req, reply, done) => {
    if (req.is404) headers.call(app, req, reply, done)
    else done()
  })
}, { name: 'helmet' })
