// Context view: the registry of AI models, agents and tasks; refreshed live when the trail records a
// change to it (every registry change is audited as context.<kind>.<verb>).
import { api, debounce, esc, fmtAgo, onLive, showError } from './lib.js'

const KINDS = [
  { kind: 'models', title: 'Models', cols: [['name', 'Name'], ['version', 'Version'], ['provider', 'Provider'], ['status', 'Status'], ['capabilities', 'Capabilities']] },
  { kind: 'agents', title: 'Agents', cols: [['name', 'Name'], ['type', 'Type'], ['status', 'Status'], ['model', 'Model'], ['owner', 'Owner'], ['tools', 'Tools']] },
  { kind: 'tasks', title: 'Tasks', cols: [['name', 'Name'], ['status', 'Status'], ['assignee', 'Assignee'], ['result', 'Result']] },
]

const cell = (v) => Array.isArray(v) ? v.map(esc).join(', ') : esc(v ?? '—')

export async function mount (el) {
  el.innerHTML = `<section aria-labelledby="ctx-h"><div class="view-head"><h2 id="ctx-h">Context</h2><p class="muted">Models, agents and tasks registered through <code>/context</code>.</p></div>
    ${KINDS.map((k) => `<h3 id="ctx-${k.kind}-h">${k.title} <span class="muted" id="ctx-${k.kind}-n"></span></h3><div class="scroll"><table aria-labelledby="ctx-${k.kind}-h" id="ctx-${k.kind}"><thead><tr>${k.cols.map(([, t]) => `<th scope="col">${t}</th>`).join('')}<th scope="col">Updated</th></tr></thead><tbody></tbody></table></div>`).join('')}
  </section>`

  async function load () {
    const pages = await Promise.all(KINDS.map((k) => api(`/context/${k.kind}?limit=1000`)))
    KINDS.forEach((k, i) => {
      const items = pages[i].items
      el.querySelector(`#ctx-${k.kind}-n`).textContent = `(${items.length}${pages[i].nextCursor ? '+' : ''})`
      el.querySelector(`#ctx-${k.kind} tbody`).innerHTML = items.length
        ? items.map((it) => `<tr>${k.cols.map(([f]) => `<td>${f === 'status' && it.status ? `<span class="pill">${esc(it.status)}</span>` : cell(it[f])}</td>`).join('')}<td>${esc(fmtAgo(it.updatedAt))}</td></tr>`).join('')
        : `<tr><td colspan="${k.cols.length + 1}" class="empty">None registered.</td></tr>`
    })
  }
  await load()
  const reload = debounce(() => load().catch((err) => showError(err)), 500)
  return onLive('audit', ({ data }) => { if (data.action.startsWith('context.')) reload() })
}
