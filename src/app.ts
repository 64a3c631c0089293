// Builds the app from a validated config. Registration order: ecosystem plugins, store, bus, domain
// plugins, then routes (Swagger before any route). server.ts starts it; tests build it.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { readFileSync } from 'node:fs'
import type { Config } from './config.js'
import configPlugin from './plugins/app/config.js'
import storePlugin from './plugins/app/store.js'
import busPlugin from './plugins/app/bus.js'
import authPlugin from './plugins/app/auth.js'
import eventsPlugin from './plugins/app/events.js'
import healthPlugin from './plugins/app/health.js'
import auditPlugin from './plugins/app/audit.js'
import contextPlugin from './plugins/app/context.js'
import notifierPlugin from './plugins/app/notifier.js'
import dashboardPlugin from './plugins/app/dashboard.js'
import streamPlugin from './plugins/app/stream.js'
import streamRoutes from './routes/stream.js'
import sensible from './plugins/external/sensible.js'
import helmet from './plugins/external/helmet.js'
import cors from './plugins/external/cors.js'
import rateLimit from './plugins/external/rate-limit.js'
import swagger from './plugins/external/swagger.js'
import healthRoutes from './routes/health.js'
import eventRoutes from './routes/events.js'
import serviceRoutes from './routes/services.js'
import auditRoutes from './routes/audit.js'
import contextRoutes from './routes/context.js'
import backupRoutes from './routes/backup.js'
import { auditSchemas } from './schemas/audit.js'
import { contextSchemas } from './schemas/context.js'
import { ErrorResponse } from './schemas/common.js'
import { sharedSchemas } from './schemas/events.js'
import { healthSchemas } from './schemas/health.js'
import { notifierSchemas } from './schemas/notifier.js'
import notifierRoutes from './routes/notifier.js'
import metricsPlugin from './plugins/app/metrics.js'
import metricsRoutes, { metricsSchemas } from './routes/metrics.js'
import errorsPlugin from './plugins/app/errors.js'

export interface BuildOptions {
  /** pino options or false; the server passes its logger config, tests usually none */
  logger?: FastifyServerOptions['logger']
}

export function loggerOptions (config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]', '*.password', '*.secret', '*.token'], censor: '[redacted]' },
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty' } } : {}),
  }
}

export async function buildApp (config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const https = config.tlsCert && config.tlsKey
    ? { key: readFileSync(config.tlsKey), cert: readFileSync(config.tlsCert) }
    : null
  const app = Fastify({
    logger: opts.logger ?? false,
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimit,
    requestTimeout: 30_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    ...(https ? { https } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>()

  // The API speaks JSON only: other bodies get 415 rather than reaching a handler as a string.
  app.removeContentTypeParser('text/plain')

  app.addSchema(ErrorResponse)
  for (const s of [...sharedSchemas, ...healthSchemas, ...auditSchemas, ...contextSchemas, ...notifierSchemas, ...metricsSchemas]) app.addSchema(s)

  try {
    await registerAll(app, config)
  } catch (err) {
    // a plugin failed to start (a bad config-file service, say): release what the others opened
    await app.close().catch(() => {})
    throw err
  }
  return app
}

async function registerAll (app: FastifyInstance, config: Config) {
  await app.register(configPlugin, { config })
  await app.register(errorsPlugin)
  await app.register(sensible)
  await app.register(helmet)
  await app.register(cors)
  await app.register(rateLimit)
  await app.register(swagger)
  await app.register(storePlugin)
  await app.register(busPlugin)
  await app.register(authPlugin)
  await app.register(eventsPlugin)
  await app.register(auditPlugin)
  await app.register(contextPlugin)
  // the notifier listens before health starts publishing transitions
  await app.register(notifierPlugin)
  await app.register(healthPlugin)
  await app.register(streamPlugin)
  await app.register(metricsPlugin)

  await app.register(healthRoutes)
  await app.register(eventRoutes)
  await app.register(serviceRoutes)
  await app.register(auditRoutes)
  await app.register(contextRoutes)
  await app.register(backupRoutes)
  await app.register(notifierRoutes)
  await app.register(metricsRoutes)
  await app.register(streamRoutes)
  await app.register(dashboardPlugin)
}
