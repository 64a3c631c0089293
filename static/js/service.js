// Service view: state, uptime windows, a latency chart (uPlot), incidents and recent checks.
import uPlot from '/vendor/uplot/uPlot.esm.js'
import { api, debounce, esc, fmtAgo, fmtMs, fmtRatio, fmtTime, onLive, stateBadge } from './lib.js'

const VERDICT_TEXT = { up: 'up', degraded: 'degraded', down: 'down' }

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
    <p><a href="#/fleet">← Fleet</a></p>
    <div class="view-head"><h2 id="svc-h">${esc(name)}</h2><span id="svc-badge"></span></div>
    <div id="svc-info"></div>
    <h3>Uptime</h3><div id="svc-uptime"></div>
    <h3>Latency</h3><p class="muted">The last 1,000 checks; down checks in red.</p><div id="svc-chart" class="chart"></div>
    <h3>Incidents</h3><div id="svc-incidents"></div>
    <h3>Recent checks</h3><div id="svc-checks"></div>
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
      <dt>Target</dt><dd><code>${esc(detail.definition.method)} ${esc(s.url)}</code></dd>
      <dt>State since</dt><dd>${esc(fmtTime(s.since))} (${esc(fmtAgo(s.since))})</dd>
      <dt>Last latency</dt><dd>${esc(fmtMs(s.latencyMs))}</dd>
      <dt>Checks</dt><dd>every ${detail.definition.interval / 1000} s, timeout ${detail.definition.timeout} ms${s.enabled ? '' : ' — paused'}</dd>
      <dt>Tags</dt><dd>${s.tags.length ? s.tags.map(esc).join(', ') : '—'}</dd>
      <dt>Depends on</dt><dd>${s.dependsOn.length ? s.dependsOn.map((d) => `<a href="#/service/${encodeURIComponent(d)}">${esc(d)}</a>`).join(', ') : '—'}</dd>
      <dt>Defined in</dt><dd>${s.source === 'file' ? 'the config file (read-only here)' : 'the API'}</dd>
    </dl>${inc ? `<p class="incident-box"><strong>Current incident:</strong> ${esc(inc.kind)} since ${esc(fmtTime(inc.startedAt))}${inc.cause ? ` — ${esc(inc.cause)}` : ''}</p>` : ''}`
    el.querySelector('#svc-uptime').innerHTML = `<table class="uptime"><thead><tr><th scope="col">Window</th>${Object.keys(detail.uptime).map((k) => `<th scope="col">${esc(k)}</th>`).join('')}</tr></thead>
      <tbody><tr><th scope="row">Uptime</th>${Object.values(detail.uptime).map((u) => `<td>${esc(fmtRatio(u.ratio))}</td>`).join('')}</tr>
      <tr><th scope="row">Checks (down)</th>${Object.values(detail.uptime).map((u) => `<td>${u.checks} (${u.down})</td>`).join('')}</tr></tbody></table>`
    el.querySelector('#svc-incidents').innerHTML = incidents.incidents.length
      ? `<table><thead><tr><th>Kind</th><th>Cause</th><th>Started</th><th>Ended</th></tr></thead><tbody>${incidents.incidents.map((i) => `<tr><td>${stateBadge(i.kind)}</td><td>${esc(i.cause ?? '—')}</td><td>${esc(fmtTime(i.startedAt))}</td><td>${i.endedAt ? esc(fmtTime(i.endedAt)) : '<strong>ongoing</strong>'}</td></tr>`).join('')}</tbody></table>`
      : '<p class="empty">No incidents.</p>'
    el.querySelector('#svc-checks').innerHTML = history.checks.length
      ? `<div class="scroll"><table><thead><tr><th>Time</th><th>Verdict</th><th>Latency</th><th>HTTP</th><th>Error</th><th>Message</th></tr></thead><tbody>${history.checks.slice(0, 50).map((c) => `<tr><td>${esc(fmtTime(c.at))}</td><td>${stateBadge(VERDICT_TEXT[c.verdict])}${c.maintenance ? ' <span class="muted">(maintenance)</span>' : ''}</td><td>${esc(fmtMs(c.latencyMs))}</td><td>${c.httpStatus ?? '—'}</td><td>${esc(c.errorClass ?? '—')}</td><td>${esc(c.message ?? '')}</td></tr>`).join('')}</tbody></table></div>`
      : '<p class="empty">No checks yet.</p>'

    const data = chartData(history.checks)
    if (plot) {
      plot.setData(data)
    } else {
      // eslint-disable-next-line new-cap -- the library's own name
      plot = new uPlot({
        width: Math.max(chartEl.clientWidth, 280),
        height: 240,
        scales: { x: { time: true } },
        axes: [{}, { label: 'ms', size: 60 }],
        series: [
          {},
          { label: 'latency (up/degraded)', stroke: '#2b6cb0', width: 1.5, spanGaps: false, value: (_, v) => v === null ? '—' : `${v.toFixed(1)} ms` },
          { label: 'latency (down)', stroke: '#c53030', width: 0, points: { show: true, size: 6, fill: '#c53030' }, value: (_, v) => v === null ? '—' : `${v.toFixed(1)} ms` },
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
