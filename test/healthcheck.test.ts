// The container's health check (src/healthcheck.ts, the Dockerfile's HEALTHCHECK): it follows MCP_PORT
// and TLS, and fails when nothing healthy answers.
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../src/app.js'
import { tempDir, testConfig } from './helper.js'
import { TS_LOADER, loaderEnv } from './server-process.js'

const HEALTHCHECK = fileURLToPath(new URL('../src/healthcheck.ts', import.meta.url))

function runCheck (env: Record<string, string>, args: string[] = []): Promise<{ code: number | null, stderr: string }> {
  const child = spawn(process.execPath, [...TS_LOADER, HEALTHCHECK, ...args], { env: { ...loaderEnv(), PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += d })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })))
}

async function listening (t: { teardown (fn: () => unknown): void }, overrides = {}) {
  const app = await buildApp(testConfig(tempDir(t), { healthScheduler: false, ...overrides }))
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, port: String((app.server.address() as { port: number }).port) }
}

t.test('http on MCP_PORT: healthy; a port with nothing on it: unhealthy', async (t) => {
  const { app, port } = await listening(t)
  t.equal((await runCheck({ MCP_PORT: port })).code, 0)
  t.equal((await runCheck({ PORT: port })).code, 0, 'PORT too, as the server reads it')
  await app.close()
  const down = await runCheck({ MCP_PORT: port })
  t.equal(down.code, 1)
  t.match(down.stderr, new RegExp(`http://127.0.0.1:${port}/health`))
})

t.test('a path argument checks that path instead (/ready for a replica behind a balancer)', async (t) => {
  const { app, port } = await listening(t)
  t.equal((await runCheck({ MCP_PORT: port }, ['/ready'])).code, 0, '/ready answers 200')
  t.equal((await runCheck({ MCP_PORT: port }, ['/no-such-path'])).code, 1, 'a path answering 404 is unhealthy: the argument is used')
  t.equal((await runCheck({ MCP_PORT: port }, ['not a path'])).code, 0, 'an argument that is not a path falls back to /health')
  await app.close()
  t.match((await runCheck({ MCP_PORT: port }, ['/ready'])).stderr, new RegExp(`http://127.0.0.1:${port}/ready`))
})

t.test('https when MCP_TLS_CERT is set', async (t) => {
  const dir = tempDir(t)
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' })
  const { port } = await listening(t, { tlsCert: cert, tlsKey: key })
  t.equal((await runCheck({ MCP_PORT: port, MCP_TLS_CERT: cert, MCP_TLS_KEY: key })).code, 0, 'https answers')
  const plain = await runCheck({ MCP_PORT: port })
  t.equal(plain.code, 1, 'plain http to a TLS server is unhealthy: the check must follow TLS')
})
