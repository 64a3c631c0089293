// What every view needs: the API (same origin, the browser holds the Basic credentials), HTML escaping,
// formatting (in the page's language, from i18n.js), state labels and the live stream fan-out.
import { t } from './i18n.js'
export { t, fmtAgo, fmtMs, fmtNumber, fmtRatio, fmtTime } from './i18n.js'

export class ApiError extends Error {
  constructor (status, message) { super(message); this.status = status }
}

/** Calls the hub's JSON API; throws ApiError with the server's message on a non-2xx answer. */
export async function api (path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (res.status === 204) return null
  const text = await res.text()
  const data = text ? JSON.parse(text) : null
  if (!res.ok) throw new ApiError(res.status, data?.message ?? `${res.status} ${res.statusText}`)
  return data
}

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
/** Text made safe for innerHTML (content and attribute values). */
export const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ESC[c])

// Each state has a word and a symbol as well as a colour, so it reads without colour vision.
export const STATES = {
  up: { label: t('state.up'), count: (n) => t('state.count.up', { count: n }), icon: '▲' },
  degraded: { label: t('state.degraded'), count: (n) => t('state.count.degraded', { count: n }), icon: '◆' },
  down: { label: t('state.down'), count: (n) => t('state.count.down', { count: n }), icon: '▼' },
  paused: { label: t('state.paused'), count: (n) => t('state.count.paused', { count: n }), icon: '❚❚' },
  unknown: { label: t('state.unknown'), count: (n) => t('state.count.unknown', { count: n }), icon: '?' },
}
export function stateBadge (state) {
  const s = STATES[state] ?? STATES.unknown
  return `<span class="badge st-${esc(state)}"><span aria-hidden="true">${s.icon}</span> ${s.label}</span>`
}

export function toast (message, kind = 'info') {
  const box = document.getElementById('toasts')
  const p = document.createElement('p')
  p.className = `toast toast-${kind}`
  p.textContent = message
  box.append(p)
  setTimeout(() => p.remove(), 6000)
}

/** Shows an error from a failed action inside `el` (or as a toast) rather than failing silently. */
export function showError (err, el) {
  const msg = err instanceof ApiError ? `${err.status}: ${err.message}` : String(err?.message ?? err)
  if (el) { el.textContent = msg; el.hidden = false } else toast(msg, 'error')
}

// ---- the live stream: one EventSource for the whole page, fanned out to the current view ----
const listeners = new Map() // kind -> Set<fn>
let source = null

export function onLive (kind, fn) {
  if (!listeners.has(kind)) listeners.set(kind, new Set())
  listeners.get(kind).add(fn)
  return () => listeners.get(kind).delete(fn)
}

export function startLive () {
  const badge = document.getElementById('live')
  const text = badge.querySelector('.live-text')
  const set = (state, label) => { badge.dataset.state = state; text.textContent = label }
  // EventSource reconnects by itself and sends Last-Event-ID, so nothing is missed across a drop
  source = new EventSource('/stream?kinds=event,audit,state,alert')
  source.onopen = () => set('open', t('live.open'))
  source.onerror = () => set(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting', source.readyState === EventSource.CLOSED ? t('live.closed') : t('live.reconnecting'))
  for (const kind of ['event', 'audit', 'state', 'alert']) {
    source.addEventListener(kind, (m) => {
      let msg
      try { msg = JSON.parse(m.data) } catch { return }
      for (const fn of listeners.get(kind) ?? []) {
        try { fn(msg) } catch (err) { console.error(err) }
      }
    })
  }
}

/** Runs fn at most once per `ms`, with the latest call winning (for bursts of live messages). */
export function debounce (fn, ms) {
  let timer = null
  return () => {
    if (timer) return
    timer = setTimeout(() => { timer = null; fn() }, ms)
  }
}

export const qs = (params) => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}
