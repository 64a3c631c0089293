// The dashboard in real headless Chromium against a real hub: log in, see the fleet, watch a service
// go down live (no reload), acknowledge its alert, filter events, verify the audit trail.
import t from 'tap'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { adminHeaders, ADMIN_USER, ADMIN_PASSWORD } from '../helper.js'
import { dashboardHub, FAST_CHECKS } from '../fixtures/dashboard-hub.js'
import { waitFor } from '../fixtures/wait.js'
import { launchChromium, chromiumMissing, ARTIFACTS } from '../fixtures/browser.js'

const STEP = { timeout: 30_000 }

// without Chromium the whole file is skipped, saying what to install (CHROMIUM_PATH=/nonexistent shows it)
const missing = chromiumMissing()
if (missing) t.plan(0, missing)
else await dashboard()

async function dashboard () {
  const { app, base, targets, hook, post } = await dashboardHub(t, {
    notifierGroupWindowMs: 30, notifierTickMs: 20, notifierRetryBaseMs: 40, notifierRetryMaxDelayMs: 200, notifierRepeatIntervalMs: 0,
  })
  const fast = FAST_CHECKS
  await post('/notifications/channels', { id: 'ops', type: 'webhook', url: hook.url })
  await post('/notifications/rules', { id: 'everything', channels: ['ops'] })
  await post('/services', { name: 'auth', url: `${targets.base}/ok`, tags: ['core'], ...fast })
  await post('/services', { name: 'cart', url: `${targets.base}/ok`, tags: ['shop'], ...fast })
  await post('/services', { name: 'order', url: `${targets.base}/toggle`, tags: ['shop', 'core'], ...fast })

  const browser = await launchChromium(t)
  const context = await browser.newContext({ locale: 'en-US', httpCredentials: { username: ADMIN_USER, password: ADMIN_PASSWORD }, viewport: { width: 1280, height: 800 } })
  t.teardown(() => context.close())
  const page: Page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  page.setDefaultTimeout(10_000)
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`) })

  t.test('a wrong password or none is refused; the admin gets the fleet', STEP, async (t) => {
    const wrong = await browser.newContext({ locale: 'en-US', httpCredentials: { username: ADMIN_USER, password: 'wrong-password' } })
    const p = await wrong.newPage()
    const res401 = await p.goto(`${base}/`)
    t.equal(res401?.status(), 401, 'wrong password')
    t.equal(await p.locator('#fleet-grid').count(), 0, 'no dashboard shown')
    // without credentials headless Chromium cannot ask for them; its request API shows the answer
    t.equal((await p.request.get(`${base}/`, { failOnStatusCode: false })).status(), 401, 'no credentials')
    t.equal((await p.request.get(`${base}/js/app.js`, { failOnStatusCode: false })).status(), 401, 'the scripts too')
    await wrong.close()
    const res = await page.goto(`${base}/#/fleet`)
    t.equal(res?.status(), 200)
    await page.waitForSelector('#fleet-grid[data-rendered-count="3"]')
    t.same((await page.locator('#fleet-grid .card h3').allTextContents()).sort(), ['auth', 'cart', 'order'])
    await page.waitForSelector('#live[data-state="open"]')
    // the checks run every second: every card turns up from the stream
    await page.waitForFunction(() => document.querySelectorAll('#fleet-grid .card[data-state="up"]').length === 3)
    t.match(await page.locator('#svc-order .badge').textContent(), /Up/, 'the state is written, not only coloured')
    // filters: by tag, then by state
    await page.selectOption('#fleet-filter select[name="tag"]', 'core')
    t.same((await page.locator('#fleet-grid .card:not([hidden]) h3').allTextContents()).sort(), ['auth', 'order'])
    await page.selectOption('#fleet-filter select[name="tag"]', '')
    await page.selectOption('#fleet-filter select[name="state"]', 'down')
    t.equal(await page.locator('#fleet-grid .card:not([hidden])').count(), 0)
    await page.selectOption('#fleet-filter select[name="state"]', '')
    await shot('fleet-up')
  })

  t.test('a target going down turns its card down without a reload', STEP, async (t) => {
    await page.evaluate(() => { (window as unknown as { __sameDocument: boolean }).__sameDocument = true })
    targets.toggle.status = 500
    await page.waitForSelector('#svc-order[data-state="down"]', { timeout: 8000 })
    t.match(await page.locator('#svc-order .badge').textContent(), /Down/)
    t.match(await page.locator('#svc-order .incident').textContent(), /Incident since/)
    t.match(await page.locator('#fleet-problems').textContent(), /order/, 'listed under needs attention')
    t.match(await page.locator('#fleet-summary').textContent(), /1 down/)
    t.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'the page was not reloaded')
    await shot('fleet-down')
  })

  t.test('the service view shows its chart, uptime and incident', STEP, async (t) => {
    await page.click('#svc-order h3 a')
    await page.waitForSelector('#svc-chart .uplot')
    t.match(await page.locator('#svc-badge').textContent(), /Down/)
    t.match(await page.locator('#svc-info').textContent(), /Current incident: Down/)
    t.match(await page.locator('#svc-uptime').textContent(), /24h/)
    t.ok(await page.locator('#svc-checks tbody tr').count() > 0, 'recent checks listed')
    await shot('service')
  })

  t.test('the alert is acknowledged with a comment', STEP, async (t) => {
    await waitFor(() => hook.got.find((r) => JSON.stringify(r.body).includes('order')), { message: 'the firing webhook', timeoutMs: 8000 })
    await page.goto(`${base}/#/alerts`)
    // the view says that the built-in services-down rule reaches no channel (it fires beside order's alert)
    await page.waitForSelector('#alerts-delivery:not([hidden])')
    t.match(await page.locator('#alerts-delivery').textContent(), /services-down reach no enabled channel/)
    const form = page.locator('#alerts-active li:has(a[href="#/service/order"]) [data-ack]')
    await form.waitFor()
    await form.locator('input[name="comment"]').fill('looking at the order DB')
    await form.locator('button', { hasText: 'Acknowledge' }).click()
    await page.waitForSelector('#alerts-active .ack')
    t.match(await page.locator('#alerts-active li:has(a[href="#/service/order"]) .ack').textContent(), /Acknowledged by admin.*looking at the order DB/)
    const alerts = (await app.inject({ url: '/alerts?state=active', headers: adminHeaders })).json()
    const order = alerts.find((a: { service: string }) => a.service === 'order')
    t.equal(order.status, 'acknowledged', 'stored')
    t.equal(order.acknowledged.comment, 'looking at the order DB')
    await shot('alerts')
  })

  t.test('events are searched by filter and tailed live through the same filter', STEP, async (t) => {
    const ingest = (events: unknown[]) => app.inject({ method: 'POST', url: '/events', payload: events as object[] })
    await ingest([{ type: 'order.created', source: 'order', payload: { id: 1 } }, { type: 'cart.updated', source: 'cart', payload: { id: 2 } }, { type: 'order.created', source: 'order', payload: { id: 3 } }])
    await page.goto(`${base}/#/events`)
    await page.fill('#ev-filter input[name="type"]', 'order.created')
    await page.click('#ev-filter button[type="submit"]')
    await page.waitForFunction(() => document.querySelectorAll('#ev-table tbody tr').length === 2)
    t.same(await page.locator('#ev-table .ev-type').allTextContents(), ['order.created', 'order.created'])
    await ingest([{ type: 'cart.updated', source: 'cart', payload: { live: 'no' } }, { type: 'order.created', source: 'order', payload: { live: 'yes' } }])
    await page.waitForFunction(() => document.querySelectorAll('#ev-table tbody tr').length === 3)
    t.match(await page.locator('#ev-table tbody tr').first().textContent(), /"live":"yes"/, 'the matching event arrived live, on top')
    t.notMatch(await page.locator('#ev-table tbody').textContent(), /cart\.updated/, 'the other type was filtered out')
    await shot('events')
  })

  t.test('the audit trail is searched, an entry opened, the chain verified', STEP, async (t) => {
    await page.goto(`${base}/#/audit`)
    await page.fill('#audit-filter input[name="action"]', 'alert.')
    await page.click('#audit-filter button[type="submit"]')
    await page.waitForFunction(() => [...document.querySelectorAll('#audit-table tbody tr')].length === 1)
    await page.click('#audit-table [data-open]')
    await page.waitForSelector('#audit-detail:not([hidden])')
    t.match(await page.locator('#audit-detail').textContent(), /alert\.acknowledge/)
    await page.click('#audit-verify')
    await page.waitForSelector('.verify')
    t.match(await page.locator('#audit-verify-result').textContent(), /Chain intact\. \d+ entries checked/)
    await shot('audit')
  })

  t.test('context and settings read the same API; file objects aside, settings edit through it', STEP, async (t) => {
    await post('/context/models', { name: 'gpt-shop', version: '1', provider: 'local', status: 'active' })
    await page.goto(`${base}/#/context`)
    await page.waitForSelector('#ctx-models tbody tr td')
    t.match(await page.locator('#ctx-models').textContent(), /gpt-shop/)
    await page.goto(`${base}/#/settings`)
    await page.waitForSelector('#set-silences [data-new]')
    await page.click('#set-silences [data-new]')
    const editor = page.locator('#set-silences textarea')
    const draft = JSON.parse(await editor.inputValue())
    await editor.fill(JSON.stringify({ ...draft, services: ['cart'], comment: 'deploy from the dashboard' }))
    await page.click('#set-silences .editor button[type="submit"]')
    await page.waitForFunction(() => document.querySelector('#set-silences tbody')?.textContent?.includes('deploy from the dashboard'))
    const silences = (await app.inject({ url: '/silences', headers: adminHeaders })).json()
    t.match(silences, [{ services: ['cart'], comment: 'deploy from the dashboard', author: 'admin' }], 'created through the API')
    // a bad object: the API's message naming the field is shown, nothing stored
    await page.click('#set-maintenance [data-new]')
    await page.locator('#set-maintenance textarea').fill(JSON.stringify({ id: 'bad', weekdays: ['someday'], start: '02:00', end: '03:00' }))
    await page.click('#set-maintenance .editor button[type="submit"]')
    await page.waitForSelector('#set-maintenance .form-error:not([hidden])')
    t.match(await page.locator('#set-maintenance .form-error').textContent(), /400.*weekdays/)
    t.same((await app.inject({ url: '/maintenance', headers: adminHeaders })).json(), [])
    await shot('settings')
  })

  t.test('on a phone-sized screen the fleet is one column and keyboard reachable', STEP, async (t) => {
    const phone = await browser.newContext({ locale: 'en-US', httpCredentials: { username: ADMIN_USER, password: ADMIN_PASSWORD }, viewport: { width: 390, height: 800 } })
    const p = await phone.newPage()
    await p.goto(`${base}/#/fleet`)
    await p.waitForSelector('#fleet-grid[data-rendered-count="3"]')
    const widths = await p.locator('#fleet-grid .card').evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect().width))
    t.equal(widths.length, 3)
    t.ok(widths.every((w) => w > 300), `cards take the full width (${widths})`)
    // Tab from the top reaches the skip link, then the navigation
    await p.keyboard.press('Tab')
    t.equal(await p.evaluate(() => document.activeElement?.textContent), 'Skip to content')
    await p.keyboard.press('Tab')
    await p.keyboard.press('Tab')
    t.equal(await p.evaluate(() => document.activeElement?.getAttribute('href')), '#/fleet')
    await p.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true })
    await phone.close()
    t.same(pageErrors, [], 'no script errors in the page')
  })
}
