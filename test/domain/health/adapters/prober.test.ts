import t from 'tap'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import type { LookupAddress } from 'node:dns'
import { createProber } from '../../../../src/domain/health/adapters/prober.js'
import { createTargetGuard, isMetadataAddress } from '../../../../src/domain/shared/target-guard.js'
import { httpTarget, startTargets } from '../../../fixtures/targets.js'
import { waitFor } from '../../../fixtures/wait.js'

const target = httpTarget

t.test('http probes classify every kind of answer', async (t) => {
  const tg = await startTargets(t)
  const prober = createProber({ guard: createTargetGuard() })
  t.teardown(() => prober.close())

  const ok = await prober.probe(target(tg.base + '/ok', { json: [{ path: 'status', equals: 'UP' }, { path: '$.checks[0].ok', equals: true }], bodyContains: 'UP' }))
  t.match(ok, { verdict: 'up', httpStatus: 200, errorClass: null })

  const fail = await prober.probe(target(tg.base + '/fail'))
  t.match(fail, { verdict: 'down', httpStatus: 500, errorClass: 'status' })
  t.match(await prober.probe(target(tg.base + '/fail', { expectedStatus: ['5xx'] })), { verdict: 'up' })

  const slow = await prober.probe(target(tg.base + '/slow', { degradedAfterMs: 100 }))
  t.match(slow, { verdict: 'degraded', cause: 'latency', errorClass: null })
  t.ok(slow.latencyMs >= 250)

  const started = Date.now()
  const hang = await prober.probe(target(tg.base + '/hang', { timeout: 300 }))
  t.match(hang, { verdict: 'down', errorClass: 'timeout' })
  t.ok(Date.now() - started < 1000, 'the probe ends at its timeout')

  const cond = await prober.probe(target(tg.base + '/nocond', { json: [{ path: 'status', equals: 'UP' }] }))
  t.match(cond, { verdict: 'down', errorClass: 'condition', message: /status is "DOWN", expected "UP"/ })
  t.match(await prober.probe(target(tg.base + '/nocond', { bodyContains: 'UP' })), { errorClass: 'condition' })

  const reset = await prober.probe(target(tg.base + '/reset'))
  t.match(reset, { verdict: 'down', errorClass: 'reset' })

  const redirect = await prober.probe(target(tg.base + '/redirect'))
  t.match(redirect, { verdict: 'down', httpStatus: 301, errorClass: 'status' }, 'a redirect is not followed')
  t.match(await prober.probe(target(tg.base + '/redirect', { expectedStatus: [301] })), { verdict: 'up', httpStatus: 301 })
  t.match(await prober.probe(target(tg.base + '/redirect', { followRedirects: true, bodyContains: 'UP' })), { verdict: 'up', httpStatus: 200 })

  const refused = await prober.probe(target('http://127.0.0.1:1/'))
  t.match(refused, { verdict: 'down', errorClass: 'refused' })
})

t.test('a 10 MB body: only 64 KiB is read, the probe stays fast and the connection is released', async (t) => {
  const tg = await startTargets(t)
  const prober = createProber({ guard: createTargetGuard() })
  t.teardown(() => prober.close())
  const r = await prober.probe(target(tg.base + '/big', { bodyContains: 'xxx' }))
  t.match(r, { verdict: 'up', httpStatus: 200 })
  t.ok(r.latencyMs < 500, `fast (${r.latencyMs} ms)`)
  // the prober let go of the response: the target sees it closed, with most of the body never written
  await waitFor(() => tg.bigClosed() === 1, { message: 'the /big response to close' })
  t.ok(tg.bigWritten() < 5 * 1024 * 1024, `the rest was not transferred (${tg.bigWritten()} bytes written)`)
  // the condition cannot be judged beyond 64 KiB: JSON over the cap fails clearly
  t.match(await prober.probe(target(tg.base + '/big', { json: [{ path: 'a', exists: true }] })), { errorClass: 'condition', message: /over 64 KiB/ })
  // many probes in a row do not exhaust anything
  for (let i = 0; i < 20; i++) t.equal((await prober.probe(target(tg.base + '/big'))).verdict, 'up')
})

t.test('tcp probes', async (t) => {
  const tg = await startTargets(t)
  const prober = createProber({ guard: createTargetGuard() })
  t.teardown(() => prober.close())
  t.match(await prober.probe(target(tg.tcpUrl, { kind: 'tcp' })), { verdict: 'up' })
  const closed = createTcpServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  t.match(await prober.probe(target(`tcp://127.0.0.1:${port}`, { kind: 'tcp' })), { verdict: 'down', errorClass: 'refused' })
})

t.test('metadata addresses are refused in every encoding, also after DNS', async (t) => {
  for (const a of ['169.254.169.254', '::ffff:a9fe:a9fe', '[::ffff:169.254.169.254]', 'fd00:ec2::254', '64:ff9b::a9fe:a9fe']) t.ok(isMetadataAddress(a), a)
  t.notOk(isMetadataAddress('127.0.0.1'))
  // a name that resolves to the metadata address: refused before any connection
  const fakeDns = ((host: string, _opts: unknown, cb: (err: Error | null, a: LookupAddress[]) => void) => {
    cb(null, host === 'metadata.test' ? [{ address: '169.254.169.254', family: 4 }] : [{ address: '127.0.0.1', family: 4 }])
  }) as never
  const prober = createProber({ guard: createTargetGuard(), lookup: fakeDns })
  t.teardown(() => prober.close())
  for (const url of ['http://metadata.test/latest/meta-data/', 'http://2852039166/', 'http://[::ffff:a9fe:a9fe]/', 'http://0xa9.0xfe.0xa9.0xfe/']) {
    const r = await prober.probe(target(url))
    t.match(r, { verdict: 'down', errorClass: 'blocked', message: /metadata/ }, url)
    t.ok(r.latencyMs < 200, 'refused without trying to connect')
  }
  t.match(await prober.probe(target('tcp://metadata.test:80', { kind: 'tcp' })), { errorClass: 'blocked' })
})

t.test('the allow-list restricts targets to listed hosts and CIDRs', async (t) => {
  const tg = await startTargets(t)
  const only10 = createProber({ guard: createTargetGuard(['10.0.0.0/8']) })
  t.teardown(() => only10.close())
  t.match(await only10.probe(target(tg.base + '/ok')), { errorClass: 'blocked', message: /allow-list/ })
  const loop = createProber({ guard: createTargetGuard(['127.0.0.0/8']) })
  t.teardown(() => loop.close())
  t.match(await loop.probe(target(tg.base + '/ok')), { verdict: 'up' })
  t.match(await loop.probe(target(tg.base.replace('127.0.0.1', 'localhost') + '/ok')), { verdict: 'up' }, 'a name resolving inside the CIDR')
  const byName = createProber({ guard: createTargetGuard(['localhost']) })
  t.teardown(() => byName.close())
  t.match(await byName.probe(target(tg.base.replace('127.0.0.1', 'localhost') + '/ok')), { verdict: 'up' })
  t.match(await byName.probe(target(tg.base + '/ok')), { errorClass: 'blocked' })
  t.throws(() => createTargetGuard(['10.0.0.0/99']), /not a valid CIDR/)
})
