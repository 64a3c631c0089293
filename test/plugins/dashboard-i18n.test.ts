// The dashboard in Spanish and English, in real headless Chromium against a real hub: a browser that
// asks for es-ES gets every main view in Spanish (no raw key, no English text of the catalogue, dates and
// numbers formatted for es-ES), one that asks for en-US gets English; the header's switch changes the
// language and the choice survives a reload.
import t from 'tap'
import { join } from 'node:path'
import { pathToFileURL, fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { adminHeaders, ADMIN_USER, ADMIN_PASSWORD } from '../helper.js'
import { dashboardHub, FAST_CHECKS } from '../fixtures/dashboard-hub.js'
import { waitFor } from '../fixtures/wait.js'
import { launchChromium, chromiumMissing, ARTIFACTS } from '../fixtures/browser.js'

type Message = string | Record<string, string>
type Catalogue = Record<string, Message>

const STEP = { timeout: 60_000 }
const MESSAGES = fileURLToPath(new URL('../../static/js/messages/', import.meta.url))
const load = async (lang: string): Promise<Catalogue> => (await import(pathToFileURL(join(MESSAGES, `${lang}.js`)).href)).default
const en = await load('en')
const es = await load('es')

const forms = (m: Message) => typeof m === 'string' ? [m] : Object.values(m)
/** characters that join a word to data (ids, paths, JSON, `agent:x`): a fragment next to them is data */
const JOIN = '\\w./:"\\-'
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The English texts that must not show in a Spanish page: each English message that differs from its
 * Spanish one, cut at its placeholders, keeping pieces with a word of 3+ letters that no Spanish message
 * also contains (a shared word such as "Token" or "MCP" is not English left behind).
 */
function englishFragments (): string[] {
  const spanish = Object.values(es).flatMap(forms).join('\n')
  const out = new Set<string>()
  for (const [key, m] of Object.entries(en)) {
    if (JSON.stringify(m) === JSON.stringify(es[key])) continue
    for (const text of forms(m)) {
      for (const piece of text.split(/\{\w+\}/)) {
        const frag = piece.replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
        if (frag.length >= 4 && /[A-Za-z]{3}/.test(frag) && !spanish.includes(frag)) out.add(frag)
      }
    }
  }
  return [...out]
}
/** the shape of an uptime label as the locale writes a percentage with two decimals ("12,34 %", "12.34%") */
const percentShape = (locale: string) => new RegExp(`90 d: ${escapeRe(new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 2 }).format(0.1234)).replace(/\d+/g, '\\d+')}`)
const ENGLISH = englishFragments()
const KEYS = Object.keys(en)

/** Everything a reader sees or hears: the rendered text, and the labels, placeholders and titles of shown elements. */
async function visibleText (page: Page): Promise<string> {
  return page.evaluate(() => {
    const attrs: string[] = [document.title]
    for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
      if (!(el as HTMLElement).checkVisibility?.()) continue
      for (const a of ['aria-label', 'placeholder', 'title', 'alt']) if (el.hasAttribute(a)) attrs.push(el.getAttribute(a) ?? '')
    }
    // what fields hold (a JSON template, a read-only token) is shown too, but is not in innerText
    for (const f of document.querySelectorAll('textarea, input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"])')) if ((f as HTMLElement).checkVisibility?.()) attrs.push((f as HTMLInputElement).value)
    return `${document.body.innerText}\n${attrs.join('\n')}`
  })
}

/** Raw keys and English pieces found in a text (empty when the page is wholly Spanish). */
function leftovers (text: string): string[] {
  const found: string[] = []
  for (const key of KEYS) if (new RegExp(`(?<![${JOIN}])${escapeRe(key)}(?![${JOIN}])`).test(text)) found.push(`raw key ${key}`)
  for (const frag of ENGLISH) if (new RegExp(`(?<![${JOIN}])${escapeRe(frag)}(?![${JOIN}])`).test(text)) found.push(`English "${frag}"`)
  return found
}

/** the main views and the panels opened in them: [name, route, steps until it is all drawn] */
const VIEWS: Array<[string, string, string[]]> = [
  ['fleet', 'fleet', ['#fleet-grid[data-bars-count="3"]', '#svc-pedidos[data-state="down"]', '#svc-auth[data-state="up"]', '#svc-carrito[data-state="up"]']],
  ['service', 'service/pedidos', ['#svc-chart .uplot', '#svc-info .incident-box']],
  ['alerts', 'alerts', ['#alerts-active [data-ack]']],
  ['events', 'events', ['#ev-table tbody tr:nth-child(3)']],
  ['audit', 'audit', ['#audit-table tbody tr', 'click:#audit-table [data-open]', '#audit-detail:not([hidden])', 'click:#audit-verify', '.verify']],
  ['context', 'context', ['#ctx-agents [data-tokens]', 'click:#ctx-agents [data-tokens]', '#ctx-tokens-table tbody tr', 'click:#ctx-tokens [data-new]', '#ctx-token-form']],
  ['settings', 'settings', ['#set-services tbody tr td a', 'click:#set-silences [data-new]', '#set-silences textarea']],
]

const missing = chromiumMissing()
if (missing) t.plan(0, missing)
else await languages()

async function languages () {
  const { app, base, targets, hook, post } = await dashboardHub(t, { notifierGroupWindowMs: 30, notifierTickMs: 20, notifierRepeatIntervalMs: 0 })
  // data without English words of the catalogue, so that any English in a Spanish page is the page's own
  const fast = FAST_CHECKS
  await post('/notifications/channels', { id: 'guardia', type: 'webhook', url: hook.url })
  await post('/notifications/rules', { id: 'todo', channels: ['guardia'] })
  await post('/services', { name: 'auth', url: `${targets.base}/ok`, tags: ['tienda'], ...fast })
  await post('/services', { name: 'carrito', url: `${targets.base}/ok`, tags: ['tienda'], ...fast })
  await post('/services', { name: 'pedidos', url: `${targets.base}/toggle`, tags: ['tienda'], ...fast })
  await post('/context/models', { name: 'gpt-tienda', version: '1', provider: 'local', status: 'active', capabilities: ['texto'] })
  await post('/context/agents', { id: 'bot-triaje', name: 'Bot de triaje', type: 'triaje', status: 'active' })
  await post('/context/tasks', { name: 'copia-nocturna', status: 'working' })
  await post('/events', [{ type: 'pedido.creado', source: 'pedidos', severity: 'INFO', payload: { id: 1 } }, { type: 'carrito.vaciado', source: 'carrito', payload: { id: 2 } }, { type: 'pedido.creado', source: 'pedidos', payload: { id: 3 } }])
  targets.toggle.status = 500
  await waitFor(async () => (await app.inject({ url: '/alerts?state=active', headers: adminHeaders })).json().some((a: { service?: string }) => a.service === 'pedidos'), { message: 'the alert for pedidos', timeoutMs: 10_000 })
  const receivedAt: string = (await app.inject({ url: '/events?limit=1', headers: adminHeaders })).json().events[0].receivedAt

  const browser = await launchChromium(t)
  const newPage = async (b: Browser, locale: string) => {
    const context = await b.newContext({ locale, timezoneId: 'UTC', httpCredentials: { username: ADMIN_USER, password: ADMIN_PASSWORD }, viewport: { width: 1280, height: 900 } })
    t.teardown(() => context.close())
    const page = await context.newPage()
    page.setDefaultTimeout(10_000)
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    return { context, page, errors }
  }

  /** Opens each main view (and the panels inside them) and hands its visible text to `check`. */
  async function everyView (page: Page, lang: string, check: (view: string, text: string) => void) {
    for (const [name, route, steps] of VIEWS) {
      await page.goto(`${base}/#/${route}`)
      // each step: wait for a selector, or click one (`click:` before it) and go on
      for (const step of steps) {
        if (step.startsWith('click:')) await page.locator(step.slice(6)).first().click()
        else await page.waitForSelector(step)
      }
      check(name, await visibleText(page))
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-${lang}-${name}.png`), fullPage: true })
    }
  }

  t.test('the scan sees English and raw keys when they are there', async (t) => {
    t.ok(ENGLISH.length > 100, `English pieces to look for (${ENGLISH.length})`)
    t.same(leftovers('Estado de servicios · 3 servicios: 2 operativos · agent:bot-triaje · "status": "active"'), [], 'Spanish text and data pass')
    t.same(leftovers('Needs attention · fleet.title'), ['raw key fleet.title', 'English "Needs attention"'])
  })

  t.test('a browser asking for Spanish gets every main view in Spanish', STEP, async (t) => {
    const { page, errors } = await newPage(browser, 'es-ES')
    const texts: Record<string, string> = {}
    await everyView(page, 'es', (view, text) => {
      texts[view] = text
      t.same(leftovers(text), [], `${view}: no raw key, no English`)
    })
    t.equal(await page.evaluate(() => document.documentElement.lang), 'es')
    t.equal(await page.locator('#lang').inputValue(), 'es', 'the switch shows the language in use')
    t.match(texts.fleet, /Servicios[\s\S]*Alertas[\s\S]*Eventos[\s\S]*Auditoría[\s\S]*Contexto[\s\S]*Configuración/, 'the navigation')
    t.match(texts.fleet, /3 servicios: 2 operativos · 1 caído/, 'the summary, with plurals')
    t.match(texts.fleet, /Requieren atención/)
    t.match(texts.fleet, /Incidente desde hace \d+ (s|min)\b/, 'a relative time in Spanish')
    t.match(texts.fleet, percentShape('es-ES'), `the uptime as es-ES writes it (${percentShape('es-ES')})`)
    t.match(texts.service, /Incidente actual: Caído desde/, 'the incident kind (API data "down") shown as a label')
    t.match(texts.alerts, /Activas[\s\S]*Reconocer/)
    t.match(texts.alerts, /Las alertas de la regla services-down no llegan a ningún canal habilitado/, 'the delivery notice')
    const when = new Intl.DateTimeFormat('es-ES', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(new Date(receivedAt))
    t.ok(texts.events.includes(when), `the event's time as es-ES writes it (${when})`)
    t.match(texts.events, /3 eventos mostrados/)
    t.match(texts.audit, /Cadena íntegra\. \d+ entradas verificadas/)
    t.match(texts.context, /gpt-tienda[\s\S]*activo/, 'a registry status (API data "active") shown as a label')
    t.match(texts.context, /Nuevo token para Bot de triaje/)
    t.match(texts.settings, /Silencios[\s\S]*despliegue en curso/, 'the new silence template in Spanish')
    t.same(errors, [], 'no script errors')
  })

  t.test('a browser asking for English gets the same views in English', STEP, async (t) => {
    const { page, errors } = await newPage(browser, 'en-US')
    const texts: Record<string, string> = {}
    await everyView(page, 'en', (view, text) => {
      texts[view] = text
      t.notMatch(text, /Estado de servicios|Requieren atención|Cadena íntegra/, `${view}: no Spanish`)
    })
    t.equal(await page.evaluate(() => document.documentElement.lang), 'en')
    t.match(texts.fleet, /3 services: 2 up · 1 down/)
    t.match(texts.fleet, percentShape('en-US'), `the uptime as en-US writes it (${percentShape('en-US')})`)
    t.match(texts.fleet, /Incident since \d+ (sec|min)\. ago/)
    const when = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(new Date(receivedAt))
    t.ok(texts.events.includes(when), `the event's time as en-US writes it (${when})`)
    t.match(texts.events, /3 events shown/)
    t.match(texts.audit, /Chain intact\./)
    t.same(errors, [], 'no script errors')
  })

  t.test('the header switches the language, and the choice is kept across reloads', STEP, async (t) => {
    const { context, page, errors } = await newPage(browser, 'en-US')
    await page.goto(`${base}/#/alerts`)
    await page.waitForSelector('#alerts-active [data-ack]')
    t.equal(await page.locator('#alerts-h').textContent(), 'Alerts', 'English, as the browser asks')
    await Promise.all([page.waitForEvent('load'), page.selectOption('#lang', 'es')])
    await page.waitForSelector('#alerts-active [data-ack]')
    t.equal(await page.locator('#alerts-h').textContent(), 'Alertas', 'Spanish after the switch, on the same view')
    t.equal(await page.evaluate(() => localStorage.getItem('mcp.lang')), 'es', 'the choice is stored')
    await page.reload()
    await page.waitForSelector('#fleet-h, #alerts-h')
    t.equal(await page.locator('#alerts-h').textContent(), 'Alertas', 'still Spanish after a reload')
    t.equal(await page.locator('[data-nav="fleet"]').textContent(), 'Servicios', 'the header too')
    const other = await context.newPage()
    await other.goto(`${base}/#/fleet`)
    await other.waitForSelector('#fleet-grid[data-rendered-count="3"]')
    t.equal(await other.locator('#fleet-h').textContent(), 'Estado de servicios', 'and in a new tab')
    await Promise.all([other.waitForEvent('load'), other.selectOption('#lang', 'en')])
    await other.waitForSelector('#fleet-grid[data-rendered-count="3"]')
    t.equal(await other.locator('#fleet-h').textContent(), 'Fleet', 'switched back to English')
    t.equal(await other.evaluate(() => localStorage.getItem('mcp.lang')), 'en')
    t.same(errors, [], 'no script errors')
  })
}
