// The agents' tokens through the admin API: minted for an agent and shown once, stored as a hash only,
// listed without secrets, refused with a 4xx naming the field, revoked, expiring; every change audited
// without the token in it.
import t from 'tap'
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { admin, agentToken, bearer, startHub } from '../fixtures/mcp.js'

const initialize = (url: URL, token: string) => fetch(url, {
  method: 'POST',
  headers: { ...bearer(token), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
})

t.test('a token is shown once, stored as a hash, listed without its secret; minting and revoking are audited', async (t) => {
  const { base, app, dataDir } = await startHub(t)
  const { token, info } = await agentToken(base, 'bot', ['read', 'events:write'])
  t.match(token, /^mcp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
  t.match(info, { agentId: 'bot', scopes: ['read', 'events:write'], createdBy: 'user:admin', revokedAt: null, expiresAt: null })
  const secret = token.split('_').slice(2).join('_')

  const stored = await app.store.agentTokens.get(info.id)
  t.equal(stored!.secretHash, createHash('sha256').update(secret).digest('hex'), 'only the hash is stored')
  await app.store.close().catch(() => {}) // flush, then look at the bytes on disk
  const disk = readdirSync(dataDir).filter((f) => f.startsWith('mcp.sqlite')).map((f) => readFileSync(join(dataDir, f)).toString('latin1')).join('')
  t.notOk(disk.includes(secret), 'the secret is not in the database files')
  t.ok(disk.includes(stored!.secretHash), 'its hash is')
})

t.test('listing, refusals naming the field, revocation, expiry', async (t) => {
  const { base, mcpUrl } = await startHub(t)
  const { token, info } = await agentToken(base, 'bot', ['read'])
  await agentToken(base, 'other', ['read'])
  const list = await admin(base, 'GET', '/context/agents/bot/tokens')
  t.equal(list.status, 200)
  t.same(list.body.map((x: { id: string }) => x.id), [info.id])
  t.notMatch(JSON.stringify(list.body), /secret|mcp_/, 'no secret and no hash')
  t.equal((await admin(base, 'GET', '/agent-tokens')).body.length, 2)

  const bad = async (path: string, body: unknown, status: number, message: RegExp) => {
    const r = await admin(base, 'POST', path, body)
    t.equal(r.status, status, JSON.stringify(body))
    t.match(r.body.message, message)
  }
  await bad('/context/agents/bot/tokens', { name: 'x', scopes: ['root'] }, 400, /body\/scopes/)
  await bad('/context/agents/bot/tokens', { name: 'x', scopes: [] }, 400, /body\/scopes/)
  await bad('/context/agents/bot/tokens', { scopes: ['read'] }, 400, /^body must have required property 'name'/)
  await bad('/context/agents/bot/tokens', { name: 'x', scopes: ['read'], expiresAt: '2001-01-01T00:00:00Z' }, 400, /body\/expiresAt must be in the future/)
  await bad('/context/agents/bot/tokens', { name: 'x', scopes: ['read'], expiresAt: 'soon' }, 400, /body\/expiresAt/)
  await bad('/context/agents/ghost/tokens', { name: 'x', scopes: ['read'] }, 404, /no agent with id ghost/)
  await admin(base, 'POST', '/context/agents', { id: 'old', name: 'Old', status: 'retired' })
  await bad('/context/agents/old/tokens', { name: 'x', scopes: ['read'] }, 409, /retired/)
  t.equal((await admin(base, 'GET', '/agent-tokens')).body.length, 2, 'nothing half-stored')

  const other = (await admin(base, 'GET', '/context/agents/other/tokens')).body[0]
  t.equal((await admin(base, 'DELETE', `/context/agents/bot/tokens/${other.id}`)).status, 404, 'a token of another agent')
  const revoked = await admin(base, 'DELETE', `/context/agents/bot/tokens/${info.id}`)
  t.equal(revoked.status, 200)
  t.type(revoked.body.revokedAt, 'string')
  t.equal((await initialize(mcpUrl, token)).status, 401)

  const trail = (await admin(base, 'GET', '/audit?action=agent_token.')).body.entries
  // refusals past the schema are on the trail (the expiry in the past, the unknown and the retired agent)
  t.same(trail.map((e: { action: string, outcome: string }) => `${e.action}:${e.outcome}`).sort(),
    ['agent_token.create:failure', 'agent_token.create:failure', 'agent_token.create:failure', 'agent_token.create:success', 'agent_token.create:success', 'agent_token.revoke:failure', 'agent_token.revoke:success'])
  t.notOk(JSON.stringify(trail).includes(token), 'the token is not on the trail')
})

t.test('an expired token is refused', async (t) => {
  const { base, mcpUrl } = await startHub(t)
  await admin(base, 'POST', '/context/agents', { id: 'bot', name: 'Bot' })
  const minted = await admin(base, 'POST', '/context/agents/bot/tokens', { name: 'short', scopes: ['read'], expiresAt: new Date(Date.now() + 1500).toISOString() })
  t.equal(minted.status, 201)
  t.equal((await initialize(mcpUrl, minted.body.token)).status, 200)
  await new Promise((resolve) => setTimeout(resolve, 1600))
  const late = await initialize(mcpUrl, minted.body.token)
  t.equal(late.status, 401)
  t.match(await late.json(), { message: 'this token is expired' })
})
