// The registry's update over the store's compare-and-set, against a real SQLite store: the domain
// applies the status rules to what it read, and racing updates are serialised by the store's check.
import t from 'tap'
import { createRegistry } from '../../../src/domain/context/registry.js'
import type { ContextStore } from '../../../src/store/ports/context.js'
import type { Store } from '../../../src/store/ports/store.js'
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import { tempDir } from '../../helper.js'

async function setup (t: Tap, wrap: (c: ContextStore) => ContextStore = (c) => c, writerMode: 'inline' | 'thread' = 'inline') {
  const store = await createSqliteStore({ dataDir: tempDir(t), writerMode })
  t.teardown(() => store.close())
  const registry = createRegistry({ store: { ...store, context: wrap(store.context) } as Store })
  return { store, registry }
}
type Tap = import('tap').Test

for (const writerMode of ['inline', 'thread'] as const) {
  t.test(`${writerMode} writer: two racing status changes from the same status: one passes, the other is checked against the new one`, async (t) => {
    const { registry, store } = await setup(t, undefined, writerMode)
    await registry.create('tasks', { id: 'job', name: 'nightly', status: 'working' })
    // both read `working`; completed and failed are each allowed from it, never from each other
    const results = await Promise.allSettled([
      registry.update('tasks', 'job', { status: 'completed' }),
      registry.update('tasks', 'job', { status: 'failed' }),
    ])
    const passed = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    t.equal(passed.length, 1, 'exactly one passes')
    t.equal(refused.length, 1)
    t.match(refused[0].reason, { kind: 'conflict', message: /is final/ }, 'the other is checked against the status the first left')
    const stored = await store.context.get('tasks', 'job')
    t.equal(stored?.status, (passed[0] as PromiseFulfilledResult<{ after: { status: string } }>).value.after.status, 'the stored status is the one that passed')
  })
}

t.test('racing field changes are all kept: a lost race reads again and applies its patch anew', async (t) => {
  const { registry, store } = await setup(t)
  await registry.create('agents', { id: 'bot', name: 'Bot', status: 'active' })
  // each loses at most one race per other update that passes: four fit in the registry's five reads
  const patches = [{ owner: 'team-a' }, { model: 'gpt-4' }, { version: '2' }, { status: 'paused' }]
  await Promise.all(patches.map((p) => registry.update('agents', 'bot', p)))
  t.match(await store.context.get('agents', 'bot'), { owner: 'team-a', model: 'gpt-4', version: '2', status: 'paused' }, 'no update overwrote another')
})

t.test('the registry reads, applies the rules, and replaces only what it read; a lost race is retried, boundedly', async (t) => {
  let replaces = 0
  let interfere = 0
  const { registry, store } = await setup(t, (c) => ({
    ...c,
    async replace (kind, before, after) {
      replaces++
      // someone else changes the item between this read and this write, `interfere` times
      if (interfere > 0) { interfere--; await c.replace(kind, before, { ...before, note: `changed ${interfere}`, updatedAt: new Date().toISOString() }) }
      return c.replace(kind, before, after)
    },
  }))
  await registry.create('models', { id: 'm', name: 'M', status: 'active' })

  interfere = 2
  const { after } = await registry.update('models', 'm', { status: 'deprecated' })
  t.equal(replaces, 3, 'two lost races, then the third read is replaced')
  t.match(after, { status: 'deprecated', note: 'changed 0' }, 'the patch is applied to what the last read found')
  t.match(await store.context.get('models', 'm'), { status: 'deprecated', note: 'changed 0' })

  replaces = 0
  interfere = 100
  await t.rejects(registry.update('models', 'm', { status: 'active' }), { kind: 'conflict', message: /kept changing/ })
  t.equal(replaces, 5, 'gives up after five reads')

  await t.rejects(registry.update('models', 'nope', { status: 'retired' }), { kind: 'not_found', message: 'no model with id nope' })
})
