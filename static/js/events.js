// Events view: search (GET /events with filters and paging) and a live tail of new events from the
// stream, filtered the same way in the page.
import { api, esc, fmtTime, onLive, qs, showError, t } from './lib.js'

const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']
const rank = (s) => s ? SEVERITIES.indexOf(s.replace(/\d$/, '')) : -1
const MAX_ROWS = 500

function rowHtml (e) {
  const payload = JSON.stringify(e.payload)
  const sev = e.severity ?? ''
  return `<tr data-event="${esc(e.id)}"><td><time datetime="${esc(e.receivedAt)}">${esc(fmtTime(e.receivedAt))}</time></td><td class="ev-type">${esc(e.type)}</td><td>${esc(e.source ?? '—')}</td>` +
    `<td>${sev ? `<span class="sev sev-${esc(sev.replace(/\d$/, '').toLowerCase())}">${esc(sev)}</span>` : '—'}</td>` +
    `<td>${payload.length > 120 ? `<details><summary><code>${esc(payload.slice(0, 100))}…</code></summary><pre>${esc(JSON.stringify(e.payload, null, 2))}</pre></details>` : `<code>${esc(payload)}</code>`}</td></tr>`
}

const toIso = (local) => local ? new Date(local).toISOString() : undefined

export async function mount (el, { query }) {
  el.innerHTML = `<section aria-labelledby="events-h">
    <div class="view-head"><h2 id="events-h">${t('nav.events')}</h2></div>
    <form id="ev-filter" class="filters" role="search">
      <label>${t('events.type')} <input name="type" autocomplete="off"></label>
      <label>${t('events.source')} <input name="source" autocomplete="off"></label>
      <label>${t('events.minSeverity')} <select name="minSeverity"><option value="">${t('common.any')}</option>${SEVERITIES.map((s) => `<option>${s}</option>`).join('')}</select></label>
      <label>${t('events.since')} <input name="since" type="datetime-local" step="1"></label>
      <label>${t('events.until')} <input name="until" type="datetime-local" step="1"></label>
      <button type="submit">${t('common.search')}</button>
      <label class="check"><input name="live" type="checkbox" checked> ${t('events.liveTail')}</label>
    </form>
    <p class="form-error" role="alert" hidden></p>
    <div class="scroll"><table id="ev-table"><thead><tr><th scope="col">${t('events.received')}</th><th scope="col">${t('events.type')}</th><th scope="col">${t('events.source')}</th><th scope="col">${t('events.severity')}</th><th scope="col">${t('events.payload')}</th></tr></thead><tbody></tbody></table></div>
    <p><button type="button" id="ev-more" hidden>${t('common.loadOlder')}</button> <span id="ev-count" class="muted" aria-live="polite"></span></p>
  </section>`
  const form = el.querySelector('#ev-filter')
  const tbody = el.querySelector('#ev-table tbody')
  const more = el.querySelector('#ev-more')
  const count = el.querySelector('#ev-count')
  const errorEl = el.querySelector('.form-error')
  for (const k of ['type', 'source', 'minSeverity']) if (query.get(k)) form.elements[k].value = query.get(k)
  let filter = {}
  let cursor = null

  const updateCount = () => { count.textContent = t('events.shown', { count: tbody.rows.length }) }

  async function search (append) {
    errorEl.hidden = true
    try {
      const page = await api(`/events${qs({ ...filter, cursor: append ? cursor : undefined, limit: 100 })}`)
      const html = page.events.map(rowHtml).join('')
      if (append) tbody.insertAdjacentHTML('beforeend', html)
      else tbody.innerHTML = html || ''
      cursor = page.nextCursor
      more.hidden = !cursor
      updateCount()
    } catch (err) { showError(err, errorEl) }
  }

  function readFilter () {
    const f = form.elements
    filter = { type: f.type.value.trim(), source: f.source.value.trim(), minSeverity: f.minSeverity.value, since: toIso(f.since.value), until: toIso(f.until.value) }
    history.replaceState(null, '', `#/events${qs({ type: filter.type, source: filter.source, minSeverity: filter.minSeverity })}`)
  }

  form.addEventListener('submit', (ev) => { ev.preventDefault(); readFilter(); search(false) })
  more.addEventListener('click', () => search(true))

  readFilter()
  await search(false)

  const off = onLive('event', ({ data: e }) => {
    if (!form.elements.live.checked) return
    if (filter.type && e.type !== filter.type) return
    if (filter.source && e.source !== filter.source) return
    if (filter.minSeverity && rank(e.severity) < rank(filter.minSeverity)) return
    if (filter.until) return // a search bounded in the past has nothing live to add
    if (tbody.querySelector(`[data-event="${CSS.escape(e.id)}"]`)) return
    tbody.insertAdjacentHTML('afterbegin', rowHtml(e))
    tbody.rows[0].classList.add('fresh')
    while (tbody.rows.length > MAX_ROWS) tbody.deleteRow(-1)
    updateCount()
  })
  return off
}
