// Audit view: search the trail (an agent's tool calls in one click), open one entry, verify the hash
// chain and checkpoints.
import { api, esc, fmtMs, fmtTime, onLive, qs, showError, t } from './lib.js'

const ACTOR_TYPES = { user: t('audit.actor.user'), agent: t('audit.actor.agent'), service: t('audit.actor.service'), system: t('audit.actor.system') }
const OUTCOMES = { success: t('audit.outcome.success'), failure: t('audit.outcome.failure'), denied: t('audit.outcome.denied'), unknown: t('audit.outcome.unknown') }
const options = (labels) => Object.entries(labels).map(([value, label]) => `<option value="${value}">${esc(label)}</option>`).join('')
/** the filter fields, as GET /audit names them */
const FIELDS = ['actorType', 'actorId', 'action', 'targetType', 'targetId', 'outcome']
/** what "Agent tool calls" searches for: every MCP entry an agent left (tool calls, refused access) */
const AGENT_CALLS = { actorType: 'agent', action: 'mcp.' }

function rowHtml (a) {
  return `<tr data-audit="${esc(a.id)}"><td>${a.seq}</td><td>${esc(fmtTime(a.time))}</td><td>${esc(a.actor.type)}:${esc(a.actor.id)}${a.actor.onBehalfOf ? ` <span class="muted">${esc(t('audit.for', { who: a.actor.onBehalfOf }))}</span>` : ''}</td>` +
    `<td><button type="button" class="link" data-open="${esc(a.id)}">${esc(a.action)}</button></td><td>${a.target ? `${esc(a.target.type)}/${esc(a.target.id)}` : '—'}</td>` +
    `<td><span class="outcome out-${esc(a.outcome)}">${esc(OUTCOMES[a.outcome] ?? a.outcome)}</span></td></tr>`
}

function detailHtml (a) {
  const rows = [
    [t('audit.seq'), a.seq], [t('audit.id'), a.id], [t('audit.time'), fmtTime(a.time)], [t('audit.actor'), `${a.actor.type}:${a.actor.id}${a.actor.name ? ` (${a.actor.name})` : ''}`],
    [t('audit.onBehalfOf'), a.actor.onBehalfOf], [t('audit.action'), a.action], [t('audit.target'), a.target ? `${a.target.type}/${a.target.id}` : null], [t('audit.outcome'), OUTCOMES[a.outcome] ?? a.outcome],
    [t('audit.reason'), a.reason], [t('audit.model'), a.model], [t('audit.tool'), a.tool],
    [t('audit.duration'), typeof a.metadata?.durationMs === 'number' ? fmtMs(a.metadata.durationMs) : null], [t('audit.argumentsHash'), a.argumentsHash], [t('audit.clientIp'), a.clientIp], [t('audit.request'), a.requestId],
    [t('audit.submittedBy'), a.submittedBy], [t('audit.prevHash'), a.prevHash], [t('audit.hash'), a.hash],
  ]
  return `<h3>${esc(t('audit.entry', { seq: a.seq }))}</h3><dl class="facts">${rows.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(v)}</code></dd>`).join('')}</dl>` +
    `<h4>${t('audit.metadata')}</h4><pre>${esc(JSON.stringify(a.metadata, null, 2))}</pre><p><button type="button" data-close>${t('common.close')}</button></p>`
}

export async function mount (el, { path, query }) {
  el.innerHTML = `<section aria-labelledby="audit-h">
    <div class="view-head"><h2 id="audit-h">${t('audit.title')}</h2><button type="button" id="audit-verify">${t('audit.verify')}</button></div>
    <div id="audit-verify-result" role="status" aria-live="polite"></div>
    <form id="audit-filter" class="filters" role="search">
      <label>${t('audit.actorType')} <select name="actorType"><option value="">${t('common.any')}</option>${options(ACTOR_TYPES)}</select></label>
      <label>${t('audit.actorId')} <input name="actorId" autocomplete="off"></label>
      <label>${t('audit.actionPrefix')} <input name="action" autocomplete="off"></label>
      <label>${t('audit.targetType')} <input name="targetType" autocomplete="off"></label>
      <label>${t('audit.targetId')} <input name="targetId" autocomplete="off"></label>
      <label>${t('audit.outcome')} <select name="outcome"><option value="">${t('common.any')}</option>${options(OUTCOMES)}</select></label>
      <button type="submit">${t('common.search')}</button>
      <button type="button" id="audit-agent-calls">${t('audit.agentCalls')}</button>
      <button type="button" id="audit-clear">${t('common.clear')}</button>
    </form>
    <p class="form-error" role="alert" hidden></p>
    <div class="split"><div class="scroll"><table id="audit-table"><thead><tr><th scope="col">${t('audit.seq')}</th><th scope="col">${t('audit.time')}</th><th scope="col">${t('audit.actor')}</th><th scope="col">${t('audit.action')}</th><th scope="col">${t('audit.target')}</th><th scope="col">${t('audit.outcome')}</th></tr></thead><tbody></tbody></table>
    <p><button type="button" id="audit-more" hidden>${t('common.loadOlder')}</button></p></div>
    <aside id="audit-detail" class="detail" hidden tabindex="-1" aria-label="${esc(t('audit.entryLabel'))}"></aside></div>
  </section>`
  const form = el.querySelector('#audit-filter')
  const tbody = el.querySelector('#audit-table tbody')
  const more = el.querySelector('#audit-more')
  const detail = el.querySelector('#audit-detail')
  const errorEl = el.querySelector('.form-error')
  const verifyOut = el.querySelector('#audit-verify-result')
  let filter = {}
  let cursor = null
  const table = el.querySelector('#audit-table')
  // a link may open the view filtered (the Context view links to an agent's calls)
  for (const k of FIELDS) if (query.get(k)) form.elements[k].value = query.get(k)
  const readForm = () => { filter = Object.fromEntries(FIELDS.map((k) => [k, form.elements[k].value.trim()])) }
  readForm()

  async function search (append) {
    errorEl.hidden = true
    try {
      const page = await api(`/audit${qs({ ...filter, cursor: append ? cursor : undefined, limit: 100 })}`)
      const html = page.entries.map(rowHtml).join('')
      if (append) tbody.insertAdjacentHTML('beforeend', html)
      else tbody.innerHTML = html
      cursor = page.nextCursor
      more.hidden = !cursor
    } catch (err) { showError(err, errorEl) }
  }

  async function open (id) {
    try {
      detail.innerHTML = detailHtml(await api(`/audit/${encodeURIComponent(id)}`))
      detail.hidden = false
      detail.focus()
      history.replaceState(null, '', `#/audit/${encodeURIComponent(id)}`)
    } catch (err) { showError(err, errorEl) }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    readForm()
    search(false)
  })
  const searchWith = (values) => {
    for (const k of FIELDS) form.elements[k].value = values[k] ?? ''
    readForm()
    search(false)
  }
  el.querySelector('#audit-agent-calls').addEventListener('click', () => searchWith(AGENT_CALLS))
  el.querySelector('#audit-clear').addEventListener('click', () => searchWith({}))
  more.addEventListener('click', () => search(true))
  tbody.addEventListener('click', (ev) => { const b = ev.target.closest('[data-open]'); if (b) open(b.dataset.open) })
  detail.addEventListener('click', (ev) => {
    if (ev.target.closest('[data-close]')) { detail.hidden = true; history.replaceState(null, '', '#/audit') }
  })
  el.querySelector('#audit-verify').addEventListener('click', async (ev) => {
    const button = ev.currentTarget
    button.disabled = true
    verifyOut.innerHTML = `<p>${t('audit.verifying')}</p>`
    try {
      const r = await api('/audit/verify')
      verifyOut.innerHTML = r.ok
        ? `<p class="verify verify-ok"><strong>✓ ${t('audit.intact')}</strong> ${esc(t('audit.intactDetail', { count: r.checked, seq: r.lastSeq }))} ${esc(t('audit.checkpoints', { count: r.checkpointsVerified }))}</p>`
        : `<p class="verify verify-bad"><strong>✗ ${t('audit.broken')}</strong> ${esc(t('audit.brokenAt', { seq: r.firstBrokenSeq, reason: r.reason }))} ${esc(t('audit.brokenDetail', { count: r.checked }))} ${esc(t('audit.checkpoints', { count: r.checkpointsVerified }))}</p>`
    } catch (err) {
      verifyOut.innerHTML = ''
      showError(err, errorEl)
    } finally { button.disabled = false }
  })

  await search(false)
  if (path[0]) await open(path[0])
  const off = onLive('audit', ({ data: a }) => {
    // the last entry the stream brought, shown or not: a reader (and the tests) can tell the view is current
    table.dataset.liveSeq = String(a.seq)
    // the live rows are only added to the unfiltered view, newest first
    if (Object.values(filter).some(Boolean)) return
    if (tbody.querySelector(`[data-audit="${CSS.escape(a.id)}"]`)) return
    tbody.insertAdjacentHTML('afterbegin', rowHtml(a))
    tbody.rows[0].classList.add('fresh')
  })
  return off
}
