// TLS certificate expiry: a certificate close to its end makes an https service degraded.
import t from 'tap'
import https from 'node:https'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { createProber, type ProbeTarget } from '../../../../src/domain/health/adapters/prober.js'
import { createTargetGuard } from '../../../../src/domain/shared/target-guard.js'
import { tempDir } from '../../../helper.js'
import { httpTarget } from '../../../fixtures/targets.js'

// certificate handshakes get longer than the plain targets' 1 s
const target = (url: string, over: Partial<ProbeTarget> = {}): ProbeTarget => httpTarget(url, { timeout: 2000, ...over })

/** An https server on 127.0.0.1 with a self-signed certificate valid for `days`. */
async function httpsTarget (t: any, days: number) {
  const dir = tempDir(t)
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', String(days), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/health`, cert: readFileSync(cert) }
}

t.test('days until the certificate expires; below the limit the service is degraded', async (t) => {
  const soon = await httpsTarget(t, 3)
  const later = await httpsTarget(t, 90)
  const prober = createProber({ guard: createTargetGuard(), tlsExpiryWarnDays: 14, tls: { ca: [soon.cert, later.cert] } })
  t.teardown(() => prober.close())

  const expiring = await prober.probe(target(soon.url))
  t.match(expiring, { verdict: 'degraded', cause: 'tls-expiry', httpStatus: 200, message: /expires in 2 days \(limit 14\)|expires in 3 days \(limit 14\)/ })
  t.ok(expiring.tlsDaysLeft! > 2 && expiring.tlsDaysLeft! <= 3, `${expiring.tlsDaysLeft} days left`)

  const fine = await prober.probe(target(later.url))
  t.match(fine, { verdict: 'up', cause: null })
  t.ok(fine.tlsDaysLeft! > 89)

  t.match(await prober.probe(target(later.url, { tlsExpiryDays: 120 })), { verdict: 'degraded', cause: 'tls-expiry' }, "the service's own limit wins")
})

t.test('a certificate the prober does not trust is a tls failure', async (t) => {
  const untrusted = await httpsTarget(t, 30)
  const prober = createProber({ guard: createTargetGuard() })
  t.teardown(() => prober.close())
  t.match(await prober.probe(target(untrusted.url)), { verdict: 'down', errorClass: 'tls' })
})
