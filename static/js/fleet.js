// Fleet view: every service as a card (state, latency, 90-day uptime bar, current incident), filtered by
// tag, state and name. Built as one HTML string (2,000 cards render in one layout pass); live state
// changes replace only the card concerned.
import { api, esc, fmtAgo, fmtMs, fmtRatio, onLive, qs, showError, stateBadge, STATES, t } from './lib.js'

const DAYS = 90
// problems first, so a wall screen shows them without scrolling
const ORDER = { down: 0, degraded: 1, unknown: 2, paused: 3, up: 4 }
// the colour of each day code of GET /uptime/bars
const DAY_COLOURS = { '-': '#c9ced6', u: '#1f9d55', g: '#d69e2e', s: '#e07b24', d: '#c53030' }
const NO_BAR = { codes: '', checks: 0, good: 0 }

/** One CSS gradient per bar (one element, not 90): a segment per day, equal neighbours merged. */
export function uptimeBar ({ codes, checks, good }) {
  const stops = []
  let start = 0
  for (let i = 1; i <= DAYS; i++) {
    if (i === DAYS || codes[i] !== codes[start]) {
      stops.push(`${DAY_COLOURS[codes[start]] ?? DAY_COLOURS['-']} ${(start * 100 / DAYS).toFixed(2)}% ${(i * 100 / DAYS).toFixed(2)}%`)
      start = i
    }
  }
  return { gradient: `linear-gradient(to right,${stops.join(',')})`, ratio: checks ? good / checks : null }
}

function incidentText (s) {
  if (s.state !== 'down' && s.state !== 'degraded') return ''
  const c = s.lastCheck
  const cause = s.cause ?? (c ? [c.errorClass, c.httpStatus ? `HTTP ${c.httpStatus}` : null, c.message].filter(Boolean).join(' · ') : null)
  return `<p class="incident"><strong>${s.state === 'down' ? t('fleet.incident') : t('fleet.degradedSince')}</strong> ${t('fleet.since')} <time datetime="${esc(s.since)}">${esc(fmtAgo(s.since))}</time>${cause ? ` — ${esc(cause)}` : ''}</p>`
}

function cardHtml (s, bar) {
  const u = bar ?? uptimeBar(NO_BAR)
  return `<article class="card st-${esc(s.state)}" id="svc-${esc(s.name)}" data-state="${esc(s.state)}">` +
    `<h3><a href="#/service/${encodeURIComponent(s.name)}">${esc(s.name)}</a></h3>${stateBadge(s.state)}` +
    `<p class="meta"><span class="lat" title="${esc(t('fleet.latencyTitle'))}">${esc(fmtMs(s.latencyMs))}</span>` +
    `${s.tags.length ? ` <span class="tags">${s.tags.map((t) => `#${esc(t)}`).join(' ')}</span>` : ''}</p>` +
    `<div class="bar" role="img" aria-label="${esc(t('fleet.barLabel', { count: DAYS, ratio: fmtRatio(u.ratio) }))}" style="background:${u.gradient}"></div>` +
    `<p class="bar-label">${esc(t('fleet.barShort', { days: DAYS, ratio: fmtRatio(u.ratio) }))}</p>${incidentText(s)}</article>`
}

export async function mount (el, { query }) {
  el.innerHTML = `<section class="fleet" aria-labelledby="fleet-h">
    <div class="view-head"><h2 id="fleet-h">${t('fleet.title')}</h2><p id="fleet-summary" class="summary" aria-live="polite"></p></div>
    <form id="fleet-filter" class="filters" role="search">
      <label>${t('fleet.filter.state')} <select name="state"><option value="">${t('common.any')}</option>${Object.entries(STATES).map(([k, v]) => `<option value="${k}">${v.label}</option>`).join('')}</select></label>
      <label>${t('fleet.filter.tag')} <select name="tag"><option value="">${t('common.any')}</option></select></label>
      <label>${t('fleet.filter.name')} <input name="q" type="search" placeholder="${esc(t('fleet.filter.namePlaceholder'))}" autocomplete="off"></label>
      <span id="fleet-shown" class="muted"></span>
    </form>
    <div id="fleet-problems" class="problems" aria-label="${esc(t('fleet.problemsLabel'))}"></div>
    <p class="legend muted">${t('fleet.legend')} <span class="key k-up">${t('fleet.legend.up')}</span> <span class="key k-degraded">${t('fleet.legend.degraded')}</span> <span class="key k-somedown">${t('fleet.legend.someDown')}</span> <span class="key k-down">${t('fleet.legend.down')}</span> <span class="key k-none">${t('fleet.legend.none')}</span></p>
    <div id="fleet-grid" class="grid" data-rendered-count="0" aria-busy="true"></div>
  </section>`
  const grid = el.querySelector('#fleet-grid')
  const form = el.querySelector('#fleet-filter')
  const summary = el.querySelector('#fleet-summary')
  const problems = el.querySelector('#fleet-problems')
  const shown = el.querySelector('#fleet-shown')
  for (const k of ['state', 'tag', 'q']) if (query.get(k)) form.elements[k].value = query.get(k)

  // the cards come first; the uptime bars are asked right after (the hub answers the cards first, then
  // builds the bars while the browser lays the cards out) and fill in when their answer arrives
  const servicesAnswer = api('/services')
  const uptimeAnswer = api(`/uptime/bars${qs({ days: DAYS })}`)
  uptimeAnswer.catch(() => {})
  const services = await servicesAnswer
  const bars = new Map()
  const byName = new Map()
  services.sort((a, b) => (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9) || a.name.localeCompare(b.name))
  for (const s of services) byName.set(s.name, s)

  const tags = [...new Set(services.flatMap((s) => s.tags))].sort()
  form.elements.tag.insertAdjacentHTML('beforeend', tags.map((t) => `<option>${esc(t)}</option>`).join(''))
  if (query.get('tag')) form.elements.tag.value = query.get('tag')

  grid.innerHTML = services.map((s) => cardHtml(s, bars.get(s.name))).join('')
  grid.dataset.renderedCount = String(services.length)
  grid.removeAttribute('aria-busy')
  window.__fleetRenderedAt = performance.now()
  // the frame after: layout and paint of the cards done (what the benchmark reports)
  requestAnimationFrame(() => setTimeout(() => { window.__fleetPaintedAt = performance.now() }))
  if (!services.length) grid.innerHTML = `<p class="empty">${t('fleet.empty.before')} <a href="#/settings">${t('nav.settings')}</a> ${t('fleet.empty.after')}</p>`

  function matches (s, f) {
    return (!f.state || s.state === f.state) && (!f.tag || s.tags.includes(f.tag)) && (!f.q || s.name.includes(f.q))
  }
  function filterValues () {
    return { state: form.elements.state.value, tag: form.elements.tag.value, q: form.elements.q.value.trim().toLowerCase() }
  }
  function applyFilter () {
    const f = filterValues()
    let n = 0
    for (const s of services) {
      const card = document.getElementById(`svc-${s.name}`)
      const show = matches(s, f)
      if (card && card.hidden === show) card.hidden = !show
      if (show) n++
    }
    shown.textContent = t('fleet.shown', { n, count: services.length })
    history.replaceState(null, '', `#/fleet${qs(f)}`)
  }
  function renderSummary () {
    const counts = {}
    for (const s of services) counts[s.state] = (counts[s.state] ?? 0) + 1
    summary.textContent = t('fleet.summary', { count: services.length }) + Object.keys(STATES).filter((k) => counts[k]).map((k) => STATES[k].count(counts[k])).join(' · ')
    const bad = services.filter((s) => s.state === 'down' || s.state === 'degraded')
    problems.innerHTML = bad.length
      ? `<h3>${t('fleet.problems')}</h3><ul>${bad.slice(0, 50).map((s) => `<li>${stateBadge(s.state)} <a href="#/service/${encodeURIComponent(s.name)}">${esc(s.name)}</a></li>`).join('')}</ul>${bad.length > 50 ? `<p>${t('fleet.problemsMore', { count: bad.length - 50 })}</p>` : ''}`
      : ''
  }
  function replaceCard (s) {
    const card = document.getElementById(`svc-${s.name}`)
    if (!card) return
    const hadFocus = card.contains(document.activeElement)
    card.outerHTML = cardHtml(s, bars.get(s.name))
    const fresh = document.getElementById(`svc-${s.name}`)
    fresh.hidden = !matches(s, filterValues())
    if (hadFocus) fresh.querySelector('a').focus()
  }

  uptimeAnswer.then((uptime) => {
    for (const u of uptime.services) {
      const bar = uptimeBar(u)
      bars.set(u.name, bar)
      const card = document.getElementById(`svc-${u.name}`)
      if (!card) continue
      const el = card.querySelector('.bar')
      el.style.background = bar.gradient
      el.setAttribute('aria-label', t('fleet.barLabel', { count: DAYS, ratio: fmtRatio(bar.ratio) }))
      card.querySelector('.bar-label').textContent = t('fleet.barShort', { days: DAYS, ratio: fmtRatio(bar.ratio) })
    }
    grid.dataset.barsCount = String(uptime.services.length)
    window.__fleetBarsAt = performance.now()
  }, (err) => showError(err))

  form.addEventListener('input', applyFilter)
  form.addEventListener('submit', (ev) => ev.preventDefault())
  applyFilter()
  renderSummary()

  const offState = onLive('state', ({ data: t }) => {
    const s = byName.get(t.service)
    if (!s) return
    Object.assign(s, { state: t.to, since: t.at, cause: t.cause, incidentId: t.incidentId })
    replaceCard(s)
    renderSummary()
  })
  // latencies change on every check without a state change: refresh them from the stored states
  const poll = setInterval(async () => {
    let fresh
    try { fresh = await api('/services') } catch { return }
    for (const f of fresh) {
      const s = byName.get(f.name)
      if (!s) continue
      if (s.latencyMs !== f.latencyMs || s.state !== f.state) {
        const cause = s.state === f.state ? s.cause : undefined
        Object.assign(s, f, { cause })
        replaceCard(s)
      }
    }
    renderSummary()
  }, 30_000)
  return () => { offState(); clearInterval(poll) }
}
