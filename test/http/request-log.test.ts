// The server's log: JSON lines with level names, so `docker compose logs mcp-server | grep -i error` finds
// errors; per-request lines at debug, so a normal run at info is quiet.
import t from 'tap'
import { Writable } from 'node:stream'
import { buildApp, loggerOptions } from '../../src/app.js'
import { adminHeaders, tempDir, testConfig } from '../helper.js'
import { fast, publishTransition } from '../fixtures/notifier.js'
import { waitFor } from '../fixtures/wait.js'

/** Builds the app with the server's own logger options at `level`, its output kept as raw lines. */
async function appLogging (t: { teardown (fn: () => unknown): void }, level: 'info' | 'debug') {
  const raw: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { raw.push(...String(chunk).split('\n').filter(Boolean)); done() } })
  const config = testConfig(tempDir(t), { ...fast, healthScheduler: false, logLevel: level })
  const app = await buildApp(config, { logger: { ...(loggerOptions(config) as object), stream } })
  t.teardown(() => app.close())
  await app.ready()
  return { app, raw }
}

t.test('at info: level names on every line, no per-request line, and grep -i error finds a firing alert', async (t) => {
  const { app, raw } = await appLogging(t, 'info')
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ url: '/health' })).statusCode, 200)
  t.equal((await app.inject({ url: '/alerts', headers: adminHeaders })).statusCode, 200)
  t.equal((await app.inject({ url: '/nope' })).statusCode, 404)
  publishTransition(app, 'order', 'down')
  await waitFor(() => raw.some((l) => /alert firing/.test(l)), { message: 'the firing alert logged' })

  const lines = raw.map((l) => JSON.parse(l))
  t.ok(lines.length > 0)
  t.ok(lines.every((l) => ['fatal', 'error', 'warn', 'info'].includes(l.level)), `level names: ${[...new Set(lines.map((l) => l.level))].join(', ')}`)
  t.notOk(raw.some((l) => /incoming request|request completed/.test(l)), 'no per-request line at info')
  const grepped = raw.filter((l) => /error/i.test(l))
  t.ok(grepped.some((l) => l.includes('"level":"error"') && l.includes('alert firing')), 'grep -i error finds the firing alert, "level":"error"')
  t.ok(raw.some((l) => l.includes('"level":"warn"') && l.includes('No notification channel')), 'the start-up warning, "level":"warn"')
})

t.test('at debug: each request has its incoming and completed lines, at debug', async (t) => {
  const { app, raw } = await appLogging(t, 'debug')
  t.equal((await app.inject({ url: '/health' })).statusCode, 200)
  const lines = raw.map((l) => JSON.parse(l))
  const incoming = lines.filter((l) => l.msg === 'incoming request')
  const completed = lines.filter((l) => l.msg === 'request completed')
  t.equal(incoming.length, 1)
  t.equal(completed.length, 1)
  t.match(incoming[0], { level: 'debug', req: { method: 'GET', url: '/health' } })
  t.match(completed[0], { level: 'debug', res: { statusCode: 200 } })
  t.equal(incoming[0].reqId, completed[0].reqId, 'one request id on both')
})
