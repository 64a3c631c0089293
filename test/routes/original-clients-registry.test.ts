// The registry and GET /context as clients of the original design use them: its context structure's
// models, agents {id, type, status} and tasks {name, status: 'success', timestamp}.
import t from 'tap'
import { build, adminHeaders } from '../helper.js'

type App = Awaited<ReturnType<typeof build>>['app']
const create = (app: App, kind: string, payload: unknown) => app.inject({ method: 'POST', url: `/context/${kind}`, headers: adminHeaders, payload: payload as object })

t.test("the original design's agent, task and model are created as sent and read back", async (t) => {
  const { app } = await build(t)
  const agent = await create(app, 'agents', { id: 'agent-001', type: 'customer-service', status: 'active' })
  t.equal(agent.statusCode, 201, agent.body)
  t.match(agent.json(), { id: 'agent-001', name: 'agent-001', type: 'customer-service', status: 'active' }, 'the name defaults to the id')
  t.match((await app.inject({ url: '/context/agents/agent-001', headers: adminHeaders })).json(), { name: 'agent-001', type: 'customer-service' })

  const task = await create(app, 'tasks', { name: 'backup', status: 'success', timestamp: 1234567890 })
  t.equal(task.statusCode, 201, task.body)
  t.match(task.json(), { name: 'backup', status: 'completed', reportedAt: '1970-01-15T06:56:07.890Z', completedAt: String })
  const read = (await app.inject({ url: `/context/tasks/${task.json().id}`, headers: adminHeaders })).json()
  t.same(read, task.json())

  const model = await create(app, 'models', { name: 'GPT-4', version: '1.0', capabilities: ['text', 'code'] })
  t.equal(model.statusCode, 201)
  t.match(model.json(), { name: 'GPT-4', version: '1.0', capabilities: ['text', 'code'], status: 'active' })
})

t.test('task statuses of the original design map onto ours: success → completed, failure and failed → failed', async (t) => {
  const { app } = await build(t)
  for (const [sent, stored] of [['success', 'completed'], ['failure', 'failed'], ['failed', 'failed'], ['working', 'working']]) {
    const res = await create(app, 'tasks', { name: `t-${sent}`, status: sent, timestamp: '2026-12-03T06:00:00Z' })
    t.equal(res.statusCode, 201, sent)
    t.equal(res.json().status, stored, `${sent} is stored as ${stored}`)
    t.equal(res.json().reportedAt, '2026-12-03T06:00:00Z')
  }
  // a task at work reports success later, as an original client would
  const working = (await app.inject({ url: '/context/tasks?status=working', headers: adminHeaders })).json().items[0]
  const done = await app.inject({ method: 'PATCH', url: `/context/tasks/${working.id}`, headers: adminHeaders, payload: { status: 'success' } })
  t.equal(done.statusCode, 200, done.body)
  t.equal(done.json().status, 'completed')
  t.equal((await app.inject({ url: '/context/tasks?status=completed', headers: adminHeaders })).json().items.length, 2, 'listed under our status')
})

t.test('bad original shapes are refused naming the field and store nothing', async (t) => {
  const { app } = await build(t)
  const cases: Array<[string, unknown, RegExp]> = [
    ['agents', { type: 'customer-service', status: 'active' }, /body\/name is required \(or an id/],
    ['agents', { id: 'a-1', status: 'sleeping' }, /body\/status/],
    ['tasks', { status: 'success', timestamp: 1234567890 }, /body\/name is required|must have required property 'name'/],
    ['tasks', { name: 'backup', status: 'done' }, /body\/status/],
    ['tasks', { name: 'backup', status: 'success', timestamp: 'soon' }, /body\/timestamp must be an RFC 3339 date-time/],
    ['tasks', { name: 'backup', status: 'success', timestamp: -1 }, /body\/timestamp is out of range/],
  ]
  for (const [kind, body, message] of cases) {
    const res = await create(app, kind, body)
    t.equal(res.statusCode, 400, `${kind} ${JSON.stringify(body)}`)
    t.match(res.json(), { statusCode: 400, message }, res.json().message)
  }
  for (const kind of ['agents', 'tasks']) {
    t.same((await app.inject({ url: `/context/${kind}`, headers: adminHeaders })).json().items, [], `no ${kind} stored`)
  }
})

t.test('GET /context keeps exactly the five keys of the original design, holding what was posted', async (t) => {
  const { app } = await build(t)
  await create(app, 'models', { name: 'GPT-4', version: '1.0', capabilities: ['text', 'code'] })
  await create(app, 'agents', { id: 'agent-001', type: 'customer-service', status: 'active' })
  await create(app, 'tasks', { name: 'backup', status: 'success', timestamp: 1234567890 })
  t.equal((await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: { action: 'user_delete', agent: 'admin', timestamp: 1234567890 } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: '/events', payload: { type: 'error', payload: { message: 'Connection failed' }, timestamp: 1234567890 } })).statusCode, 201)
  const res = await app.inject({ url: '/context', headers: adminHeaders })
  t.equal(res.statusCode, 200)
  const context = res.json()
  t.same(Object.keys(context).sort(), ['agents', 'audit', 'events', 'models', 'tasks'])
  t.match(context.models, [{ name: 'GPT-4', version: '1.0', capabilities: ['text', 'code'] }])
  t.match(context.agents, [{ id: 'agent-001', type: 'customer-service', status: 'active' }])
  t.match(context.tasks, [{ name: 'backup', status: 'completed' }])
  t.ok(context.audit.some((e: { action: string, actor: { id: string }, outcome: string }) => e.action === 'user_delete' && e.actor.id === 'admin' && e.outcome === 'unknown'), 'the original audit entry is there')
  t.match(context.events, [{ type: 'error', payload: { message: 'Connection failed' }, time: '1970-01-15T06:56:07.890Z' }])
})
