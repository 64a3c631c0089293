// A background retention job: runs once the app is ready, then every `everyMs`; never two at once;
// a failure is logged, never thrown; closing waits for a run under way. Only the leader runs it (several
// instances on one database: app.cluster).
import type { FastifyInstance } from 'fastify'

export function scheduleRetention (app: FastifyInstance, what: string, everyMs: number, run: () => Promise<void>) {
  let running: Promise<void> | null = null
  const tick = () => {
    if (running || (app.hasDecorator('cluster') && !app.cluster.isLeader())) return
    running = run()
      .catch((err) => app.log.error({ err }, `${what} retention failed`))
      .finally(() => { running = null })
  }
  const timer = setInterval(tick, everyMs)
  timer.unref()
  app.addHook('onReady', async () => { tick() })
  return {
    async stop () {
      clearInterval(timer)
      await running
    },
  }
}
