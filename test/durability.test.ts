// Acknowledged means stored: a server killed with SIGKILL mid-stream keeps every event it acknowledged.
import t from 'tap'
import { request } from 'undici'
import { startServer, exited, PROCESS_TEST_TIMEOUT_MS } from './server-process.js'
import { tempDir, ADMIN_PASSWORD } from './helper.js'
import { waitFor } from './fixtures/wait.js'

// every server started here transpiles the sources first
t.setTimeout(PROCESS_TEST_TIMEOUT_MS)

const auth = 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')

async function allIds (url: string): Promise<Set<string>> {
  const ids = new Set<string>()
  let cursor: string | null = null
  for (let page = 0; page < 1000; page++) {
    const res = await request(`${url}/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: auth } })
    const body = await res.body.json() as { events: Array<{ id: string }>, nextCursor: string | null }
    for (const e of body.events) ids.add(e.id)
    cursor = body.nextCursor
    if (!cursor) break
  }
  return ids
}

t.test('every acknowledged event survives SIGKILL, over several rounds', async (t) => {
  const dataDir = tempDir(t)
  const env = { MCP_DATA_DIR: dataDir, MCP_ADMIN_PASSWORD: ADMIN_PASSWORD }
  const acked = new Set<string>()
  // each round is killed at a different point of the stream: once this many events were acknowledged in it
  const killAfter = [100, 400, 1000]
  for (let round = 0; round < 3; round++) {
    const server = await startServer(env)
    t.teardown(() => { server.child.kill('SIGKILL') })
    let stop = false
    let n = 0
    const ackedThisRound = new Set<string>()
    const ack = (id: string) => { acked.add(id); ackedThisRound.add(id) }
    let cutOff = 0
    const worker = async (w: number) => {
      // eslint-disable-next-line no-unmodified-loop-condition -- the round's timer sets it
      while (!stop) {
        const batch = (n++ % 3 === 0)
        const body = batch
          ? Array.from({ length: 20 }, (_, i) => ({ type: 'kill.test', payload: { round, w, i } }))
          : { type: 'kill.test', payload: { round, w } }
        try {
          const res = await request(`${server.url}/events`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
          const out = await res.body.json() as { id?: string, accepted?: Array<{ id: string }> }
          if (res.statusCode === 201 || res.statusCode === 207) {
            if (out.accepted) for (const a of out.accepted) ack(a.id)
            else ack(out.id!)
          }
        } catch {
          cutOff++
          return // the server died under us: this request was never acknowledged
        }
      }
    }
    const workers = Array.from({ length: 16 }, (_, w) => worker(w))
    await waitFor(() => ackedThisRound.size >= killAfter[round], { timeoutMs: 30_000, message: () => `round ${round}: ${killAfter[round]} acknowledged events (${ackedThisRound.size} so far)` })
    server.child.kill('SIGKILL')
    stop = true
    await Promise.all(workers)
    await exited(server.child)
    t.ok(ackedThisRound.size >= killAfter[round], `round ${round}: ${ackedThisRound.size} acknowledged in this round`)
    t.ok(cutOff > 0, `round ${round}: killed with ${cutOff} request(s) in flight`)
  }
  const server = await startServer(env)
  t.teardown(() => { server.child.kill('SIGKILL') })
  const stored = await allIds(server.url)
  const missing = [...acked].filter((id) => !stored.has(id))
  t.same(missing, [], `all ${acked.size} acknowledged events are stored`)
  server.child.kill('SIGTERM')
  await exited(server.child)
})
