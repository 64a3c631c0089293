// The auth plugin's rule: a route without an `auth` option is refused at registration; a scope can
// declare the level of the routes an ecosystem plugin adds to it; the option sets guard and security.
import t from 'tap'
import Fastify from 'fastify'
import configPlugin from '../../src/plugins/app/config.js'
import sensible from '../../src/plugins/external/sensible.js'
import rateLimit from '../../src/plugins/external/rate-limit.js'
import redisPlugin from '../../src/plugins/app/redis.js'
import helmet from '../../src/plugins/external/helmet.js'
import busPlugin from '../../src/plugins/app/bus.js'
import authPlugin from '../../src/plugins/app/auth.js'
import storePlugin from '../../src/plugins/app/store.js'
import agentTokensPlugin from '../../src/plugins/app/agent-tokens.js'
import { tempDir, testConfig, adminHeaders } from '../helper.js'

async function bare (t: Parameters<typeof tempDir>[0], overrides = {}) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(configPlugin, { config: testConfig(tempDir(t), overrides) })
  await app.register(redisPlugin)
  await app.register(sensible)
  await app.register(helmet)
  await app.register(rateLimit)
  await app.register(busPlugin)
  await app.register(storePlugin)
  await app.register(agentTokensPlugin)
  await app.register(authPlugin)
  return app
}

t.test('a route without an auth option fails at registration, naming it', async (t) => {
  const app = await bare(t)
  t.throws(() => app.get('/forgotten', async () => 'x'), { message: /route GET \/forgotten declares no auth option: give it auth: 'admin' \| 'adminOrToken' \| 'ingest' \| 'agent' \| 'public'/ })
  t.throws(() => app.get('/typo', { auth: 'admins' as 'admin' }, async () => 'x'), { message: /unknown auth 'admins'/ })
  await t.rejects(async () => { await app.register(async (scope) => { scope.post('/in-a-plugin', async () => 'x') }) }, /route POST \/in-a-plugin declares no auth option/)
})

t.test('the option installs the guard; a scope default covers routes that cannot carry it', async (t) => {
  const app = await bare(t)
  app.get('/open', { auth: 'public' }, async () => 'open')
  app.get('/admin', { auth: 'admin' }, async (req) => req.actor)
  app.post('/ingest', { auth: 'ingest' }, async (req) => ({ actor: req.actor ?? null }))
  await app.register(async (scope) => {
    app.auth.scopeDefault(scope, 'admin')
    // as an ecosystem plugin would: no auth option of its own
    await scope.register(async (child) => { child.get('/plugin-file', async () => 'file') })
    scope.get('/own-choice', { auth: 'public' }, async () => 'own')
  })
  t.throws(() => app.auth.scopeDefault(app, 'nobody' as 'public'), /unknown auth 'nobody'/)
  t.throws(() => app.get('/after', async () => 'x'), /declares no auth option/, 'the default stays in its scope')
  t.equal((await app.inject({ url: '/open' })).statusCode, 200)
  t.equal((await app.inject({ url: '/admin' })).statusCode, 401)
  t.same((await app.inject({ url: '/admin', headers: adminHeaders })).json(), { type: 'user', id: 'admin' }, 'the guard sets the actor')
  t.same((await app.inject({ method: 'POST', url: '/ingest', payload: {} })).json(), { actor: null }, 'open ingest: no guard, no actor')
  t.equal((await app.inject({ url: '/plugin-file' })).statusCode, 401, "the scope's default")
  t.equal((await app.inject({ url: '/plugin-file', headers: adminHeaders })).statusCode, 200)
  t.equal((await app.inject({ url: '/own-choice' })).statusCode, 200, "a route's own option wins")
})

t.test('with ingest tokens an ingest route wants one, and the caller becomes a service actor', async (t) => {
  const app = await bare(t, { ingestTokens: ['a-token-that-is-long-enough'] })
  app.post('/ingest', { auth: 'ingest' }, async (req) => req.actor)
  app.get('/either', { auth: 'adminOrToken' }, async (req) => req.actor)
  t.equal((await app.inject({ method: 'POST', url: '/ingest', payload: {} })).statusCode, 401)
  const token = { authorization: 'Bearer a-token-that-is-long-enough' }
  t.match((await app.inject({ method: 'POST', url: '/ingest', headers: token, payload: {} })).json(), { type: 'service', id: /^token-[0-9a-f]{8}$/ })
  t.match((await app.inject({ url: '/either', headers: token })).json(), { type: 'service' })
  t.match((await app.inject({ url: '/either', headers: adminHeaders })).json(), { type: 'user', id: 'admin' })
  t.equal((await app.inject({ url: '/either' })).statusCode, 401)
})
