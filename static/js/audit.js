// Audit view: search the trail (an agent's tool calls in one click), open one entry, verify the hash
// chain and checkpoints.
import { api, esc, fmtMs, fmtTime, onLive, qs, showError } from './lib.js'

const ACTOR_TYPES = ['user', 'agent', 'service', 'system']
/** the filter fields, as GET /audit names them */
const FIELDS = ['actorType', 'actorId', 'action', 'targetType', 'targetId', 'outcome']
/** what "Agent tool calls" searches for: every MCP entry an agent left (tool calls, refused access) */
const AGENT_CALLS = { actorType: 'agent', action: 'mcp.' }

function rowHtml (a) {
  return `<tr data-audit="${esc(a.id)}"><td>${a.seq}</td><td>${esc(fmtTime(a.time))}</td><td>${esc(a.actor.type)}:${esc(a.actor.id)}${a.actor.onBehalfOf ? ` <span class="muted">for ${esc(a.actor.onBehalfOf)}</span>` : ''}</td>` +
    `<td><button type="button" class="link" data-open="${esc(a.id)}">${esc(a.action)}</button></td><td>${a.target ? `${esc(a.target.type)}/${esc(a.target.id)}` : '—'}</td>` +
    `<td><span class="outcome out-${esc(a.outcome)}">${esc(a.outcome)}</span></td></tr>`
}

function detailHtml (a) {
  const rows = [
    ['Seq', a.seq], ['Id', a.id], ['Time', fmtTime(a.time)], ['Actor', `${a.actor.type}:${a.actor.id}${a.actor.name ? ` (${a.actor.name})` : ''}`],
    ['On behalf of', a.actor.onBehalfOf], ['Action', a.action], ['Target', a.target ? `${a.target.type}/${a.target.id}` : null], ['Outcome', a.outcome],
    ['Reason', a.reason], ['Model', a.model], ['Tool', a.tool],
    ['Duration', typeof a.metadata?.durationMs === 'number' ? fmtMs(a.metadata.durationMs) : null], ['Arguments hash', a.argumentsHash], ['Client IP', a.clientIp], ['Request', a.requestId],
    ['Submitted by', a.submittedBy], ['Previous hash', a.prevHash], ['Hash', a.hash],
  ]
  return `<h3>Entry ${a.seq}</h3><dl class="facts">${rows.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(v)}</code></dd>`).join('')}</dl>` +
    `<h4>Metadata</h4><pre>${esc(JSON.stringify(a.metadata, null, 2))}</pre><p><button type="button" data-close>Close</button></p>`
}

export async function mount (el, { path, query }) {
  el.innerHTML = `<section aria-labelledby="audit-h">
    <div class="view-head"><h2 id="audit-h">Audit trail</h2><button type="button" id="audit-verify">Verify chain</button></div>
    <div id="audit-verify-result" role="status" aria-live="polite"></div>
    <form id="audit-filter" class="filters" role="search">
      <label>Actor type <select name="actorType"><option value="">any</option>${ACTOR_TYPES.map((t) => `<option>${t}</option>`).join('')}</select></label>
      <label>Actor id <input name="actorId" autocomplete="off"></label>
      <label>Action starts with <input name="action" autocomplete="off"></label>
      <label>Target type <input name="targetType" autocomplete="off"></label>
      <label>Target id <input name="targetId" autocomplete="off"></label>
      <label>Outcome <select name="outcome"><option value="">any</option><option>success</option><option>failure</option><option>denied</option></select></label>
      <button type="submit">Search</button>
      <button type="button" id="audit-agent-calls">Agent tool calls</button>
      <button type="button" id="audit-clear">Clear</button>
    </form>
    <p class="form-error" role="alert" hidden></p>
    <div class="split"><div class="scroll"><table id="audit-table"><thead><tr><th scope="col">Seq</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th></tr></thead><tbody></tbody></table>
    <p><button type="button" id="audit-more" hidden>Load older</button></p></div>
    <aside id="audit-detail" class="detail" hidden tabindex="-1" aria-label="Audit entry"></aside></div>
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
    verifyOut.innerHTML = '<p>Verifying…</p>'
    try {
      const r = await api('/audit/verify')
      verifyOut.innerHTML = r.ok
        ? `<p class="verify verify-ok"><strong>✓ Chain intact.</strong> ${r.checked} entries checked up to seq ${r.lastSeq}; ${r.checkpointsVerified} signed checkpoints verified.</p>`
        : `<p class="verify verify-bad"><strong>✗ Chain broken</strong> at seq ${esc(r.firstBrokenSeq)}: ${esc(r.reason)}. ${r.checked} entries checked; ${r.checkpointsVerified} checkpoints verified.</p>`
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
