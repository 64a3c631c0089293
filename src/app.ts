// Builds the app from a validated config: one declarative list of plugins (config, ecosystem plugins,
// ours, routes), registered in the order their declared `dependencies` require (see
// src/http/plugin-order.ts). server.ts starts it; tests build it.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { lookup as dnsLookup } from 'node:dns'
import { readFileSync } from 'node:fs'
import type { Config } from './config.js'
import { orderPlugins, pluginMeta } from './http/plugin-order.js'
import { buildValidator } from './http/validation.js'
import { buildSerializer } from './http/serialization.js'
import { MAX_PARAM_LENGTH, frameworkErrors } from './plugins/app/errors.js'
import { QuietRequestLog } from './http/request-log.js'
import { fastifyTrustProxy } from './http/trust-proxy.js'
import { limitHeapGrowth } from './http/heap-growth.js'
import sensible from './plugins/external/sensible.js'
import helmet from './plugins/external/helmet.js'
import cors from './plugins/external/cors.js'
import rateLimit from './plugins/external/rate-limit.js'
import redisPlugin from './plugins/app/redis.js'
import swagger from './plugins/external/swagger.js'
import configPlugin from './plugins/app/config.js'
import outboundPlugin from './plugins/app/outbound.js'
import errorsPlugin from './plugins/app/errors.js'
import errorDocsPlugin from './plugins/app/error-docs.js'
import storePlugin from './plugins/app/store.js'
import clusterPlugin from './plugins/app/cluster.js'
import busPlugin from './plugins/app/bus.js'
import authPlugin from './plugins/app/auth.js'
import eventsPlugin from './plugins/app/events.js'
import auditPlugin from './plugins/app/audit.js'
import contextPlugin from './plugins/app/context.js'
import notifierPlugin from './plugins/app/notifier.js'
import healthPlugin from './plugins/app/health.js'
import streamPlugin from './plugins/app/stream.js'
import metricsPlugin from './plugins/app/metrics.js'
import backupPlugin from './plugins/app/backup.js'
import dashboardPlugin from './plugins/app/dashboard.js'
import agentTokensPlugin from './plugins/app/agent-tokens.js'
import mcpPlugin from './plugins/app/mcp.js'
import docsRoutes from './routes/docs.js'
import healthRoutes from './routes/health.js'
import eventRoutes from './routes/events.js'
import otlpRoutes from './routes/otlp.js'
import alertmanagerRoutes from './routes/alertmanager.js'
import serviceRoutes from './routes/services.js'
import auditRoutes from './routes/audit.js'
import contextRoutes from './routes/context.js'
import backupRoutes from './routes/backup.js'
import notifierRoutes from './routes/notifier.js'
import metricsRoutes, { metricsSchemas } from './routes/metrics.js'
import streamRoutes from './routes/stream.js'
import mcpRoutes from './routes/mcp.js'
import { auditSchemas } from './schemas/audit.js'
import { contextSchemas } from './schemas/context.js'
import { ErrorResponse } from './schemas/common.js'
import { sharedSchemas } from './schemas/events.js'
import { healthSchemas } from './schemas/health.js'
import { notifierSchemas } from './schemas/notifier.js'

/**
 * What the app is made of, in four stages. Within a stage the plugins are registered in the order
 * listed, except where a plugin's `dependencies` pull another one ahead of it (the notifier before
 * health, say: health asks it about maintenance windows, and it must listen before health publishes
 * transitions). A dependency on a later stage, or on nothing listed, stops the start.
 */
const STAGES = [
  // the validated config, which every plugin reads, the outbound guard probes and channels share, and
  // the Redis connection (when configured) that rate limits and login counters share between instances
  [configPlugin, outboundPlugin, redisPlugin],
  // ecosystem plugins (thin wrappers in plugins/external); swagger collects every route registered after it
  [sensible, helmet, cors, rateLimit, swagger],
  // ours, each decorating the app with one object
  [errorsPlugin, storePlugin, clusterPlugin, busPlugin, agentTokensPlugin, authPlugin, eventsPlugin, auditPlugin, contextPlugin, notifierPlugin,
    healthPlugin, streamPlugin, metricsPlugin, backupPlugin, mcpPlugin, errorDocsPlugin],
  // everything that adds routes, after every plugin: their onRoute hooks (the auth guard and OpenAPI
  // security, security headers, rate limits, request durations) and the document must see each route,
  // and the error handler must be set before a route's scope is created
  [docsRoutes, healthRoutes, eventRoutes, otlpRoutes, alertmanagerRoutes, serviceRoutes, auditRoutes, contextRoutes, backupRoutes,
    notifierRoutes, metricsRoutes, streamRoutes, mcpRoutes, dashboardPlugin],
]

/** Every plugin, stage by stage, each stage in an order its dependencies allow. */
export function registrationOrder () {
  const order: Array<(typeof STAGES)[number][number]> = []
  for (const stage of STAGES) order.push(...orderPlugins(stage, order.map((p) => pluginMeta(p)?.name as string)))
  return order
}

export interface BuildOptions {
  /** pino options or false; the server passes its logger config, tests usually none */
  logger?: FastifyServerOptions['logger']
  /** DNS for probes and channels (dns.lookup-compatible); tests map names onto refused addresses with it */
  lookup?: typeof dnsLookup
}

/** JSON lines with level names ("level":"error"), so `docker compose logs mcp-server | grep -i error` finds errors. */
export const LEVEL_NAMES = { level: (label: string) => ({ level: label }) }

export function loggerOptions (config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]', 'req.headers["x-backup-key"]', '*.password', '*.secret', '*.token'], censor: '[redacted]' },
    // pino-pretty reads pino's numeric levels; JSON output (not a terminal) carries the names
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty' } } : { formatters: LEVEL_NAMES }),
  }
}

export async function buildApp (config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  // process-wide, and first: the garbage of a busy hub is collected before it doubles the RSS
  limitHeapGrowth(config.heapHeadroomMb)
  const https = config.tlsCert && config.tlsKey
    ? { key: readFileSync(config.tlsKey), cert: readFileSync(config.tlsCert) }
    : null
  const app = Fastify({
    logger: opts.logger ?? false,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: config.bodyLimit,
    requestTimeout: 30_000,
    // bodies validated without coercion, querystrings/params/headers with it (src/http/validation.ts)
    // responses serialised with only the shared schemas each route reaches (src/http/serialization.ts)
    schemaController: { compilersFactory: { buildValidator, buildSerializer } },
    // long path parameters reach their route (auth first, then a 414 from its params schema)
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    logController: new QuietRequestLog(),
    ...(https ? { https } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>()

  // The API speaks JSON only: other bodies get 415 rather than reaching a handler as a string.
  app.removeContentTypeParser('text/plain')

  app.addSchema(ErrorResponse)
  for (const s of [...sharedSchemas, ...healthSchemas, ...auditSchemas, ...contextSchemas, ...notifierSchemas, ...metricsSchemas]) app.addSchema(s)

  try {
    await registerAll(app, config, opts)
  } catch (err) {
    // a plugin failed to start (a bad config-file service, say): release what the others opened
    await app.close().catch(() => {})
    throw err
  }
  return app
}

async function registerAll (app: FastifyInstance, config: Config, opts: BuildOptions) {
  for (const plugin of registrationOrder()) {
    // config and outbound are the plugins with options
    if (plugin === configPlugin) await app.register(configPlugin, { config })
    else if (plugin === outboundPlugin) await app.register(outboundPlugin, { lookup: opts.lookup })
    else await app.register(plugin as Parameters<FastifyInstance['register']>[0])
  }
}
