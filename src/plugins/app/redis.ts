// The Redis connection (MCP_REDIS_URL), when there is one: instances share their rate-limit windows and
// failed-login counters through it, so a client cannot multiply its budget by the number of instances.
// Without it `app.redis` is null and each instance counts alone. A Redis that is down never fails a
// request: commands fail fast (no offline queue) and the callers fall back to their own counts.
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'

declare module 'fastify' {
  interface FastifyInstance {
    /** the shared Redis connection, or null when MCP_REDIS_URL is not set */
    redis: Redis | null
  }
}

/** The URL with its password masked, for logs. */
export function redactRedisUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    if (u.username) u.username = '***'
    return u.toString()
  } catch {
    return 'redis://(unparsable url)'
  }
}

export default fp(async (app) => {
  const { redisUrl } = app.config
  if (!redisUrl) {
    app.decorate('redis', null)
    return
  }
  // loaded only when configured: ioredis adds some 20 MB to the RSS of a hub that never uses it
  const { Redis: RedisClient } = await import('ioredis')
  const redis = new RedisClient(redisUrl, {
    // a command fails at once while disconnected, instead of waiting in a queue behind a request
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // reconnect for ever, at most every 2 s
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  })
  const where = redactRedisUrl(redisUrl)
  let down = false
  redis.on('error', (err) => {
    if (!down) app.log.warn({ redis: where, err: err.message }, 'redis unavailable: rate limits and login counters are per instance until it is back')
    down = true
  })
  redis.on('ready', () => {
    if (down) app.log.info({ redis: where }, 'redis is back: limits are shared again')
    down = false
  })
  // start without waiting for long: a Redis that is down must not keep the hub from starting
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5_000)
    redis.once('ready', () => { clearTimeout(timer); resolve() })
  })
  app.log.info({ redis: where, prefix: app.config.redisPrefix, ready: redis.status === 'ready' }, 'redis connected: limits shared between instances')
  app.decorate('redis', redis)
  app.addHook('onClose', async () => { redis.disconnect() })
}, { name: 'redis', dependencies: ['config'] })
