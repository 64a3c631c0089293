// The registration order: plugins after what they declare they need, the list's order kept otherwise,
// and clear errors for what cannot be ordered.
import t from 'tap'
import fp from 'fastify-plugin'
import Fastify from 'fastify'
import { orderPlugins, pluginMeta } from '../../src/http/plugin-order.js'
import { registrationOrder } from '../../src/app.js'

const plugin = (name: string, dependencies: string[] = []) => fp(async () => {}, { name, dependencies })
const names = (list: object[]) => list.map((p) => pluginMeta(p)?.name)

t.test('each plugin comes after its dependencies; otherwise the list order is kept', async (t) => {
  const list = [plugin('metrics', ['health', 'store']), plugin('config'), plugin('health', ['store', 'notifier']), plugin('store', ['config']), plugin('notifier', ['store']), plugin('cors', ['config'])]
  t.same(names(orderPlugins(list)), ['config', 'store', 'notifier', 'health', 'metrics', 'cors'])
  const independent = [plugin('a'), plugin('b'), plugin('c')]
  t.same(names(orderPlugins(independent)), ['a', 'b', 'c'], 'nothing to reorder')
  t.same(orderPlugins([]), [])
})

t.test('dependencies may name plugins registered before', async (t) => {
  t.same(names(orderPlugins([plugin('routes/events', ['events', 'auth']), plugin('routes/docs', ['swagger'])], ['events', 'auth', 'swagger'])), ['routes/events', 'routes/docs'])
})

t.test('a missing dependency is refused, naming both plugins', async (t) => {
  t.throws(() => orderPlugins([plugin('config'), plugin('health', ['config', 'notifier'])]), { message: 'plugin "health" depends on "notifier", which is neither in the list nor registered before it' })
  t.throws(() => orderPlugins([plugin('routes/events', ['events'])], ['auth']), /"routes\/events" depends on "events"/)
})

t.test('a circular dependency is refused, naming the circle', async (t) => {
  t.throws(() => orderPlugins([plugin('a', ['b']), plugin('b', ['c']), plugin('c', ['a'])]), { message: 'circular plugin dependencies: a → b → c → a' })
  t.throws(() => orderPlugins([plugin('x'), plugin('self', ['self'])]), { message: 'circular plugin dependencies: self → self' })
  t.throws(() => orderPlugins([plugin('top', ['a']), plugin('a', ['b']), plugin('b', ['a'])]), { message: 'circular plugin dependencies: a → b → a' })
})

t.test('unnamed plugins and duplicate names are refused', async (t) => {
  t.throws(() => orderPlugins([plugin('a'), async () => {}]), { message: /plugin #2 of the list has no name/ })
  t.throws(() => orderPlugins([fp(async () => {})]), { message: /plugin #1 of the list has no name/ }, 'a name fastify-plugin made up')
  t.throws(() => orderPlugins([plugin('a'), plugin('a')]), { message: 'plugin "a" is in the list twice' })
  t.throws(() => orderPlugins([plugin('a')], ['a']), { message: 'plugin "a" is in the list twice' })
})

t.test("the app's order satisfies every declaration, and Fastify agrees", async (t) => {
  const order = names(registrationOrder()) as string[]
  for (const [i, p] of registrationOrder().entries()) {
    for (const dep of pluginMeta(p)?.dependencies ?? []) t.ok(order.indexOf(dep) < i, `${order[i]} after ${dep}`)
  }
  const at = (name: string) => order.indexOf(name)
  t.ok(at('notifier') < at('health'), 'the notifier listens before health publishes')
  for (const name of ['health', 'notifier', 'context', 'stream', 'audit']) t.ok(at(name) < at('metrics'), `metrics after ${name}`)
  const firstRoutes = order.findIndex((n) => n.startsWith('routes/'))
  for (const name of ['swagger', 'errors', 'auth', 'helmet', 'rate-limit', 'metrics']) t.ok(at(name) < firstRoutes, `${name} before any route`)
  t.ok(at('cors') < at('auth'), 'the ecosystem plugins (and the CORS preflight route) before the auth rule')
  t.equal(order[0], 'config', 'config first')
  t.ok(at('auth') < at('dashboard'), 'the dashboard after auth')

  // Fastify's own check of the declarations, without running the plugins
  const app = Fastify()
  for (const p of registrationOrder()) {
    const meta = pluginMeta(p)!
    app.register(fp(async () => {}, { name: meta.name, dependencies: [...(meta.dependencies ?? [])] }))
  }
  await t.resolves(app.ready())
  await app.close()
})
