import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'

// Every route is limited per client address. Headers are sent only on a 429 (with Retry-After):
// adding them to every response costs up to a third of ingest throughput. With MCP_REDIS_URL the windows
// live in Redis, shared by every instance; if Redis fails, a request is let through (skipOnError) rather
// than answered 500, and the instance logs that Redis is down (plugins/app/redis.ts).
export default fp(async (app) => {
  await app.register(rateLimit, {
    global: true,
    ...(app.redis ? { redis: app.redis, nameSpace: `${app.config.redisPrefix}rl:`, skipOnError: true } : {}),
    max: app.config.rateLimitMax,
    timeWindow: app.config.rateLimitWindowMs,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: ctx.statusCode,
      error: 'Too Many Requests',
      message: `rate limit of ${ctx.max} requests per ${ctx.after} exceeded; retry in ${ctx.after}`,
    }),
  })
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
