// The dashboard's MCP side in real headless Chromium against a real hub: an agent's token minted in the
// Context view (its text shown once), used on /mcp, revoked there; the agent's tool calls found in the
// Audit view's agent filter, with the tool and its duration in the entry.
import t from 'tap'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'
import { build, adminHeaders, ADMIN_USER, ADMIN_PASSWORD } from '../helper.js'
import { waitFor } from '../fixtures/wait.js'
import { launchChromium, chromiumMissing, ARTIFACTS } from '../fixtures/browser.js'
import { SCOPES, SCOPE_MEANING } from '../../src/domain/mcp/scopes.js'

const STEP = { timeout: 30_000 }
const AGENT = { id: 'triage-bot', name: 'Triage <b>bot</b>' }
const TOKEN_NAME = 'claude on <i>ana</i>\'s laptop'
const PROTOCOL = '2025-11-25'
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'dashboard-test', version: '1.0.0' } } }

interface TokenInfo { id: string, agentId: string, name: string, scopes: string[], createdBy: string, expiresAt: string | null, revokedAt: string | null, lastUsedAt: string | null }
interface AuditEntry { id: string, seq: number, action: string, actor: { type: string, id: string }, target: { type: string, id: string } | null, tool?: string | null, metadata: { durationMs?: number } }

const missing = chromiumMissing()
if (missing) t.plan(0, missing)
else await dashboardMcp()

async function dashboardMcp () {
  const { app } = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

  const adminGet = async <T>(url: string): Promise<T> => {
    const res = await app.inject({ url, headers: adminHeaders })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const adminPost = async <T>(url: string, payload: object): Promise<T> => {
    const res = await app.inject({ method: 'POST', url, headers: adminHeaders, payload })
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  /** one JSON-RPC message to /mcp over real HTTP, as an MCP client sends it */
  const mcp = async (token: string, message: object, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(message),
    })
    return { status: res.status, body: await res.text() }
  }

  await adminPost('/context/agents', { ...AGENT, type: 'triage', status: 'active' })

  const browser = await launchChromium(t)
  const context = await browser.newContext({ locale: 'en-US', httpCredentials: { username: ADMIN_USER, password: ADMIN_PASSWORD }, viewport: { width: 1280, height: 900 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
  t.teardown(() => context.close())
  const page: Page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  page.setDefaultTimeout(10_000)
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-mcp-${name}.png`), fullPage: true })

  const openTokens = async () => {
    await page.goto(`${base}/#/context`)
    await page.click(`#ctx-agents [data-tokens="${AGENT.id}"]`)
    await page.waitForSelector('#ctx-tokens:not([hidden]) #ctx-tokens-table tbody tr')
  }

  let token = ''
  let tokenId = ''

  t.test('a token is minted in the Context view, its text shown once, and it opens /mcp', STEP, async (t) => {
    await openTokens()
    t.equal(await page.locator(`[data-tokens="${AGENT.id}"]`).getAttribute('aria-expanded'), 'true', 'the button says its panel is open')
    t.match(await page.locator('#ctx-tokens-h').textContent(), `MCP tokens of ${AGENT.name}`, 'the agent name is shown as text')
    t.equal(await page.locator('#ctx-tokens b').count(), 0, 'and not as markup')
    t.match(await page.locator('#ctx-tokens-table tbody').textContent(), /No tokens yet/)

    await page.click('#ctx-tokens [data-new]')
    const form = page.locator('#ctx-token-form')
    const boxes = await form.locator('input[name="scopes"]').evaluateAll((els) => els.map((e) => ({
      value: (e as HTMLInputElement).value, checked: (e as HTMLInputElement).checked, label: e.closest('label')?.textContent ?? '',
    })))
    t.same(boxes.map((b) => b.value), [...SCOPES], 'one checkbox per scope the hub knows')
    for (const b of boxes) t.match(b.label, SCOPE_MEANING[b.value as keyof typeof SCOPE_MEANING], `${b.value} is explained`)
    t.same(boxes.filter((b) => b.checked).map((b) => b.value), ['read'], 'read only, unless chosen')

    // refused in the page: no name, then no scope
    await form.locator('button[type="submit"]').click()
    t.match(await form.locator('.form-error').textContent(), /name/)
    await form.locator('input[name="name"]').fill(TOKEN_NAME)
    await form.locator('input[value="read"]').uncheck()
    await form.locator('button[type="submit"]').click()
    t.match(await form.locator('.form-error').textContent(), /at least one scope/)
    t.same(await adminGet(`/context/agents/${AGENT.id}/tokens`), [], 'nothing minted by a refused form')

    await form.locator('input[value="read"]').check()
    await form.locator('input[value="alerts:ack"]').check()
    const expiresLocal = `${new Date().getFullYear() + 1}-06-15T09:30`
    await form.locator('input[name="expiresAt"]').fill(expiresLocal)
    await form.locator('button[type="submit"]').click()

    const field = page.locator('#ctx-token-text')
    await field.waitFor()
    token = await field.inputValue()
    t.match(token, /^mcp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/, 'the token text is shown')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'ctx-token-text', 'focus is on it')
    t.match(await page.locator('#ctx-token-once .warn').textContent(), /will not be shown again/)
    t.equal(await page.locator('#ctx-token-url').textContent(), `${base}/mcp`, "this hub's /mcp URL")
    t.equal(await page.locator('#ctx-token-header').textContent(), `Authorization: Bearer ${token}`)
    const settings = JSON.parse(await page.locator('#ctx-token-snippet').inputValue())
    t.same(settings, { mcpServers: { 'mcp-server': { type: 'http', url: `${base}/mcp`, headers: { Authorization: `Bearer ${token}` } } } }, 'settings ready to paste')
    await page.click('[data-copy="ctx-token-text"]')
    await waitFor(async () => (await page.evaluate(() => navigator.clipboard.readText())) === token, { message: 'the token in the clipboard' })
    await shot('token-once')

    // what the API stored: the choices made in the form, and no secret
    const stored = await adminGet<TokenInfo[]>(`/context/agents/${AGENT.id}/tokens`)
    t.equal(stored.length, 1)
    tokenId = stored[0].id
    t.equal(token.split('_')[1], tokenId, 'the token shown is the one stored')
    t.match(stored[0], { agentId: AGENT.id, name: TOKEN_NAME, createdBy: 'user:admin', revokedAt: null })
    t.same([...stored[0].scopes].sort(), ['alerts:ack', 'read'])
    t.equal(stored[0].expiresAt, await page.evaluate((v) => new Date(v).toISOString(), expiresLocal), 'the expiry chosen, in local time')
    // the secret is base64url, so it may hold '_' itself: everything after the id is the secret
    const secret = token.split('_').slice(2).join('_')
    t.equal(secret.length, 43)
    t.notOk(JSON.stringify(stored).includes(secret), 'the list never carries the secret')
    const row = page.locator(`#ctx-tokens-table tr[data-token="${tokenId}"]`)
    t.match(await row.textContent(), TOKEN_NAME, 'listed, its name as text')
    t.equal(await page.locator('#ctx-tokens-table i').count(), 0, 'and not as markup')
    t.match(await row.textContent(), /read, alerts:ack/)
    t.match(await row.locator('.pill').textContent(), 'active')
    // the agents table re-reads the counts shortly after a change
    const activeCount = page.locator(`[data-tokens="${AGENT.id}"] ~ .muted`)
    await page.waitForFunction((id) => document.querySelector(`[data-tokens="${id}"] ~ .muted`)?.textContent !== '0 active', AGENT.id)
    t.equal(await activeCount.textContent(), '1 active', 'the agents table counts it')

    // the token works; the same id with another secret does not
    const ok = await mcp(token, INITIALIZE)
    t.equal(ok.status, 200, 'initialize with the token is answered', { body: ok.body })
    t.match(ok.body, `"protocolVersion":"${PROTOCOL}"`)
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
    t.equal((await mcp(wrong, INITIALIZE)).status, 401, 'a wrong secret is refused')

    // once hidden, the text is nowhere in the page
    t.ok((await page.content()).includes(token), 'in the page while shown')
    await page.click('#ctx-token-once [data-done]')
    await page.waitForSelector('#ctx-token-once', { state: 'detached' })
    t.notOk((await page.content()).includes(token), 'gone from the page once hidden')
    t.equal(await page.evaluate(() => document.activeElement?.hasAttribute('data-new')), true, 'focus back on New token')
  })

  t.test('the token is revoked in the Context view, after a confirm, and /mcp refuses it', STEP, async (t) => {
    await waitFor(async () => (await adminGet<TokenInfo[]>(`/context/agents/${AGENT.id}/tokens`))[0].lastUsedAt, { message: 'the use of the token recorded' })
    await openTokens()
    const row = page.locator(`#ctx-tokens-table tr[data-token="${tokenId}"]`)
    t.match(await row.locator('td').nth(4).textContent(), /ago/, 'last used is shown')

    let asked = ''
    page.once('dialog', (d) => { asked = d.message(); void d.dismiss() })
    await row.locator('[data-revoke]').click()
    t.match(asked, `Revoke token “${TOKEN_NAME}” of ${AGENT.name}?`, 'a confirm names the token and agent')
    t.equal((await adminGet<TokenInfo[]>(`/context/agents/${AGENT.id}/tokens`))[0].revokedAt, null, 'dismissed: not revoked')
    t.equal((await mcp(token, INITIALIZE)).status, 200, 'and still accepted')

    page.once('dialog', (d) => { void d.accept() })
    await row.locator('[data-revoke]').click()
    await row.locator('.tok-revoked').waitFor()
    t.equal(await row.locator('[data-revoke]').count(), 0, 'no Revoke button on a revoked token')
    t.ok((await adminGet<TokenInfo[]>(`/context/agents/${AGENT.id}/tokens`))[0].revokedAt, 'stored as revoked')
    const refused = await mcp(token, INITIALIZE)
    t.equal(refused.status, 401, 'the revoked token is refused')
    t.match(refused.body, /revoked/)
    await page.waitForFunction((id) => document.querySelector(`[data-tokens="${id}"] ~ .muted`)?.textContent !== '1 active', AGENT.id)
    t.equal(await page.locator(`[data-tokens="${AGENT.id}"] ~ .muted`).textContent(), '0 active', 'no longer counted as active')
    await shot('token-revoked')

    await page.click('#ctx-tokens [data-close]')
    t.equal(await page.locator('#ctx-tokens').isHidden(), true, 'the panel closes')
    t.equal(await page.locator(`[data-tokens="${AGENT.id}"]`).getAttribute('aria-expanded'), 'false')
    t.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-tokens')), AGENT.id, 'focus back on the agent')
  })

  t.test("the agent's tool calls are found with the Audit view's agent filter, with tool and duration", STEP, async (t) => {
    const minted = await adminPost<{ token: string }>(`/context/agents/${AGENT.id}/tokens`, { name: 'second', scopes: ['read'] })
    t.equal((await mcp(minted.token, INITIALIZE)).status, 200, 'a second token, minted through the API, works')
    const call = await mcp(minted.token, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'check_services', arguments: {} } }, { 'mcp-protocol-version': PROTOCOL })
    t.equal(call.status, 200, 'the tools/call is answered', { body: call.body })
    t.notMatch(call.body, /"isError":true/, 'the tool ran')
    const agentEntries = (await adminGet<{ entries: AuditEntry[] }>('/audit?actorType=agent&action=mcp.')).entries
    const toolCall = agentEntries.find((e) => e.action === 'mcp.tool_call')!
    t.match(toolCall, { actor: { type: 'agent', id: AGENT.id }, target: { type: 'tool', id: 'check_services' }, tool: 'check_services' }, 'the call is on the trail')

    // unfiltered, the trail holds the admin's entries and the agent's
    await page.goto(`${base}/#/audit`)
    await page.waitForSelector('#audit-table tbody tr')
    const actors = () => page.locator('#audit-table tbody tr td:nth-child(3)').allTextContents()
    t.ok((await actors()).some((a) => a.startsWith('user:admin')), 'admin entries shown unfiltered')
    t.ok((await actors()).some((a) => a.startsWith(`agent:${AGENT.id}`)), 'and the agent entry')

    await page.click('#audit-agent-calls')
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#audit-table tbody tr td:nth-child(3)')]
      return rows.length > 0 && rows.every((td) => td.textContent?.startsWith('agent:'))
    })
    t.equal(await page.locator('#audit-filter select[name="actorType"]').inputValue(), 'agent', 'the form shows the filter')
    t.equal(await page.locator('#audit-filter input[name="action"]').inputValue(), 'mcp.')
    t.equal(await page.locator('#audit-table tbody tr').count(), agentEntries.length, 'every MCP entry of an agent, as the API finds them')
    t.match(await page.locator(`#audit-table tr[data-audit="${toolCall.id}"]`).textContent(), /mcp\.tool_call.*tool\/check_services/, 'the tool call is listed')
    t.notMatch(await page.locator('#audit-table tbody').textContent(), /user:admin/, 'no admin entry')

    // an admin change arriving live is not added to the filtered view
    await adminPost('/context/models', { name: 'live-model', status: 'active' })
    const adminEntry = (await adminGet<{ entries: AuditEntry[] }>('/audit?action=context.model.create')).entries[0]
    await page.waitForFunction((seq) => Number(document.querySelector<HTMLElement>('#audit-table')?.dataset.liveSeq) >= seq, adminEntry.seq)
    t.notMatch(await page.locator('#audit-table tbody').textContent(), /context\.model\.create/, 'the live admin entry is not added')
    t.equal(await page.locator('#audit-table tbody tr').count(), agentEntries.length)

    // the entry: the tool and how long it took
    await page.locator('#audit-table tbody tr', { hasText: 'check_services' }).locator('[data-open]').click()
    await page.waitForSelector('#audit-detail:not([hidden])')
    const facts = await page.locator('#audit-detail dl').evaluate((dl) => Object.fromEntries(
      [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])))
    t.equal(facts.Tool, 'check_services')
    const ms = toolCall.metadata.durationMs!
    // formatted for the page's locale (en-US) as fmtMs does: one decimal under 10 ms
    const en = new Intl.NumberFormat('en-US', ms < 10 ? { minimumFractionDigits: 1, maximumFractionDigits: 1 } : {})
    t.equal(facts.Duration, `${en.format(ms < 10 ? ms : Math.round(ms))} ms`, 'the duration from the metadata')
    await shot('audit-agent')
    await page.click('#audit-detail [data-close]')

    // the actor type alone: the admin's entries, none of the agent's
    await page.selectOption('#audit-filter select[name="actorType"]', 'user')
    await page.fill('#audit-filter input[name="action"]', '')
    await page.click('#audit-filter button[type="submit"]')
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#audit-table tbody tr td:nth-child(3)')]
      return rows.length > 0 && rows.every((td) => td.textContent?.startsWith('user:'))
    })
    t.match(await page.locator('#audit-table tbody').textContent(), /context\.model\.create/)

    // cleared, the view is live again: a new admin entry comes in on top
    await page.click('#audit-clear')
    await page.waitForFunction(() => [...document.querySelectorAll('#audit-table tbody tr td:nth-child(3)')].some((td) => td.textContent?.startsWith('agent:')))
    await adminPost('/context/models', { name: 'second-live-model', status: 'active' })
    await page.waitForSelector('#audit-table tbody tr.fresh')
    t.match(await page.locator('#audit-table tbody tr').first().textContent(), /user:admin.*context\.model\.create/, 'the unfiltered view takes live entries, on top')
  })

  t.test("the Context view links to an agent's tool calls in the Audit view", STEP, async (t) => {
    await openTokens()
    await page.click('#ctx-tokens a[href^="#/audit"]')
    await page.waitForSelector('#audit-table tbody tr')
    t.equal(await page.locator('#audit-filter select[name="actorType"]').inputValue(), 'agent')
    t.equal(await page.locator('#audit-filter input[name="actorId"]').inputValue(), AGENT.id)
    t.equal(await page.locator('#audit-filter input[name="action"]').inputValue(), 'mcp.')
    const actors = await page.locator('#audit-table tbody tr td:nth-child(3)').allTextContents()
    t.ok(actors.length > 0 && actors.every((a) => a.startsWith(`agent:${AGENT.id}`)), `only the agent's entries (${actors})`)
    t.same(pageErrors, [], 'no script errors in the page')
  })
}
