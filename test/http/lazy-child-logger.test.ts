// The ingest route's child logger: built only when a line at or above the route's level is logged.
import t from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import { lazyChildLogger } from '../../src/http/lazy-child-logger.js'
import { buildApp } from '../../src/app.js'
import { testConfig, tempDir } from '../helper.js'

const capture = () => {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb() } })
  return { lines, stream }
}

t.test('drops what the level drops without building a child; logs the rest with the bindings', async (t) => {
  const { lines, stream } = capture()
  const root = pino({ level: 'info' }, stream) as unknown as FastifyBaseLogger
  let children = 0
  const counting = Object.create(root, { child: { value: (b: object, o: object) => { children++; return root.child(b, o) } } }) as FastifyBaseLogger
  const log = lazyChildLogger.call(null as never, counting, { reqId: 'req-7' }, { level: 'warn' }, {} as never)
  t.equal(log.level, 'warn')
  log.info('dropped')
  log.debug('dropped')
  t.equal(children, 0, 'no pino child for lines below the level')
  log.warn({ n: 1 }, 'kept')
  log.error('also kept')
  t.equal(children, 1, 'one child, built on the first kept line')
  const grand = log.child({ plugin: 'x' })
  grand.warn('from a grandchild')
  t.match(lines, [{ level: 40, reqId: 'req-7', n: 1, msg: 'kept' }, { level: 50, reqId: 'req-7', msg: 'also kept' }, { level: 40, reqId: 'req-7', plugin: 'x', msg: 'from a grandchild' }])
  t.notOk(lines.some((l) => l.msg === 'dropped'))
})

t.test('in the app at debug: ingest logs no request lines, other routes still do (request lines are debug lines)', async (t) => {
  const { lines, stream } = capture()
  const app = await buildApp(testConfig(tempDir(t), { healthScheduler: false }), { logger: { level: 'debug', stream } })
  t.teardown(() => app.close())
  await app.ready()
  t.equal((await app.inject({ method: 'POST', url: '/events', payload: { type: 'quiet' } })).statusCode, 201)
  t.equal((await app.inject({ url: '/health' })).statusCode, 200)
  const requestLines = lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed')
  t.ok(requestLines.some((l) => (l.req as { url?: string } | undefined)?.url === '/health'), 'GET /health is logged')
  t.notOk(requestLines.some((l) => (l.req as { url?: string } | undefined)?.url === '/events'), 'POST /events is not')
})
