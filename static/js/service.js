// Service view: state, uptime windows, a latency chart (uPlot), incidents and recent checks.
import uPlot from '/vendor/uplot/uPlot.esm.js'
import { api, debounce, esc, fmtAgo, fmtMs, fmtNumber, fmtRatio, fmtTime, onLive, stateBadge, STATES, t } from './lib.js'
import { locale } from './i18n.js'

const VERDICT_TEXT = { up: 'up', degraded: 'degraded', down: 'down' }
const axisFormats = {
  fraction: new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 1 }),
  seconds: new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', second: '2-digit' }),
  minutes: new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }),
  days: new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' }),
}
/** a tick of the time axis (x in seconds), as precise as the ticks' spacing (incr, in seconds) needs */
const axisTime = (x, incr) => axisFormats[incr < 1 ? 'fraction' : incr < 60 ? 'seconds' : incr < 86400 ? 'minutes' : 'days'].format(x * 1000)
const stateLabel = (state) => STATES[state]?.label ?? state

function chartData (checks) {
  const asc = [...checks].reverse()
  const xs = asc.map((c) => Date.parse(c.at) / 1000)
  const ok = asc.map((c) => c.verdict === 'down' ? null : c.latencyMs)
  const bad = asc.map((c) => c.verdict === 'down' ? c.latencyMs : null)
  return [xs, ok, bad]
}

export async function mount (el, { path }) {
  const name = path[0]
  el.innerHTML = `<section aria-labelledby="svc-h">
    <p><a href="#/fleet">← ${t('nav.fleet')}</a></p>
    <div class="view-head"><h2 id="svc-h">${esc(name)}</h2><span id="svc-badge"></span></div>
    <div id="svc-info"></div>
    <h3>${t('service.uptime')}</h3><div id="svc-uptime"></div>
    <h3>${t('service.latency')}</h3><p class="muted">${t('service.latencyNote', { count: 1000 })}</p><div id="svc-chart" class="chart"></div>
    <h3>${t('service.incidents')}</h3><div id="svc-incidents"></div>
    <h3>${t('service.recentChecks')}</h3><div id="svc-checks"></div>
  </section>`
  const chartEl = el.querySelector('#svc-chart')
  let plot = null

  async function load () {
    const enc = encodeURIComponent(name)
    const [detail, history, incidents] = await Promise.all([
      api(`/services/${enc}`), api(`/services/${enc}/history?limit=1000`), api(`/services/${enc}/incidents?limit=20`),
    ])
    const s = detail.status
    el.querySelector('#svc-badge').innerHTML = stateBadge(s.state)
    const inc = detail.currentIncident
    el.querySelector('#svc-info').innerHTML = `<dl class="facts">
      <dt>${t('service.target')}</dt><dd><code>${esc(detail.definition.method)} ${esc(s.url)}</code></dd>
      <dt>${t('service.stateSince')}</dt><dd>${esc(fmtTime(s.since))} (${esc(fmtAgo(s.since))})</dd>
      <dt>${t('service.lastLatency')}</dt><dd>${esc(fmtMs(s.latencyMs))}</dd>
      <dt>${t('service.checks')}</dt><dd>${esc(t('service.every', { interval: detail.definition.interval / 1000, timeout: detail.definition.timeout }))}${s.enabled ? '' : ` — ${t('service.paused')}`}</dd>
      <dt>${t('service.tags')}</dt><dd>${s.tags.length ? s.tags.map(esc).join(', ') : '—'}</dd>
      <dt>${t('service.dependsOn')}</dt><dd>${s.dependsOn.length ? s.dependsOn.map((d) => `<a href="#/service/${encodeURIComponent(d)}">${esc(d)}</a>`).join(', ') : '—'}</dd>
      <dt>${t('service.definedIn')}</dt><dd>${s.source === 'file' ? t('service.definedInFile') : t('service.definedInApi')}</dd>
    </dl>${inc ? `<p class="incident-box"><strong>${t('service.currentIncident')}</strong> ${esc(t('service.incidentSince', { kind: stateLabel(inc.kind), time: fmtTime(inc.startedAt) }))}${inc.cause ? ` — ${esc(inc.cause)}` : ''}</p>` : ''}`
    el.querySelector('#svc-uptime').innerHTML = `<table class="uptime"><thead><tr><th scope="col">${t('service.window')}</th>${Object.keys(detail.uptime).map((k) => `<th scope="col">${esc(k)}</th>`).join('')}</tr></thead>
      <tbody><tr><th scope="row">${t('service.uptime')}</th>${Object.values(detail.uptime).map((u) => `<td>${esc(fmtRatio(u.ratio))}</td>`).join('')}</tr>
      <tr><th scope="row">${t('service.checksDown')}</th>${Object.values(detail.uptime).map((u) => `<td>${fmtNumber(u.checks)} (${fmtNumber(u.down)})</td>`).join('')}</tr></tbody></table>`
    el.querySelector('#svc-incidents').innerHTML = incidents.incidents.length
      ? `<table><thead><tr><th>${t('service.kind')}</th><th>${t('service.cause')}</th><th>${t('service.started')}</th><th>${t('service.ended')}</th></tr></thead><tbody>${incidents.incidents.map((i) => `<tr><td>${stateBadge(i.kind)}</td><td>${esc(i.cause ?? '—')}</td><td>${esc(fmtTime(i.startedAt))}</td><td>${i.endedAt ? esc(fmtTime(i.endedAt)) : `<strong>${t('service.ongoing')}</strong>`}</td></tr>`).join('')}</tbody></table>`
      : `<p class="empty">${t('service.noIncidents')}</p>`
    el.querySelector('#svc-checks').innerHTML = history.checks.length
      ? `<div class="scroll"><table><thead><tr><th>${t('service.time')}</th><th>${t('service.verdict')}</th><th>${t('service.latency')}</th><th>HTTP</th><th>${t('service.error')}</th><th>${t('service.message')}</th></tr></thead><tbody>${history.checks.slice(0, 50).map((c) => `<tr><td>${esc(fmtTime(c.at))}</td><td>${stateBadge(VERDICT_TEXT[c.verdict])}${c.maintenance ? ` <span class="muted">(${t('service.maintenance')})</span>` : ''}</td><td>${esc(fmtMs(c.latencyMs))}</td><td>${c.httpStatus ?? '—'}</td><td>${esc(c.errorClass ?? '—')}</td><td>${esc(c.message ?? '')}</td></tr>`).join('')}</tbody></table></div>`
      : `<p class="empty">${t('service.noChecks')}</p>`

    const data = chartData(history.checks)
    if (plot) {
      plot.setData(data)
    } else {
      // eslint-disable-next-line new-cap -- the library's own name
      plot = new uPlot({
        width: Math.max(chartEl.clientWidth, 280),
        height: 240,
        scales: { x: { time: true } },
        // the time axis and the legend's time in the page's locale (uPlot's own formats are English)
        axes: [{ values: (_, splits, _i, _space, incr) => splits.map((x) => axisTime(x, incr)) }, { label: 'ms', size: 60 }],
        series: [
          { label: t('service.time'), value: (_, x) => x === null ? '—' : fmtTime(x * 1000) },
          { label: t('service.chartUp'), stroke: '#2b6cb0', width: 1.5, spanGaps: false, value: (_, v) => fmtMs(v) },
          { label: t('service.chartDown'), stroke: '#c53030', width: 0, points: { show: true, size: 6, fill: '#c53030' }, value: (_, v) => fmtMs(v) },
        ],
      }, data, chartEl)
    }
  }

  await load()
  const reload = debounce(() => load().catch(() => {}), 300)
  const resize = new ResizeObserver(() => { if (plot) plot.setSize({ width: Math.max(chartEl.clientWidth, 280), height: 240 }) })
  resize.observe(chartEl)
  const off = onLive('state', ({ data }) => { if (data.service === name) reload() })
  const poll = setInterval(reload, 15_000)
  return () => { off(); clearInterval(poll); resize.disconnect(); plot?.destroy() }
}
