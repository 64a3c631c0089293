// Context view: the registry of AI models, agents and tasks, and each agent's MCP tokens; refreshed
// live when the trail records a change to it (registry changes are audited as context.<kind>.<verb>,
// token changes as agent_token.<verb>, an agent's calls as mcp.tool_call).
import { api, debounce, esc, fmtAgo, onLive, showError } from './lib.js'
import { createTokenPanel, tokenState } from './agent-tokens.js'

const KINDS = [
  { kind: 'models', title: 'Models', cols: [['name', 'Name'], ['version', 'Version'], ['provider', 'Provider'], ['status', 'Status'], ['capabilities', 'Capabilities']] },
  { kind: 'agents', title: 'Agents', cols: [['name', 'Name'], ['type', 'Type'], ['status', 'Status'], ['model', 'Model'], ['owner', 'Owner'], ['tools', 'Tools']], tokens: true },
  { kind: 'tasks', title: 'Tasks', cols: [['name', 'Name'], ['status', 'Status'], ['assignee', 'Assignee'], ['result', 'Result']] },
]

const cell = (v) => Array.isArray(v) ? v.map(esc).join(', ') : esc(v ?? '—')

function tokensCell (agent, active, openId) {
  return `<td class="actions"><button type="button" class="link" data-tokens="${esc(agent.id)}" aria-controls="ctx-tokens" aria-expanded="${agent.id === openId}">Tokens<span class="sr-only"> of ${esc(agent.name)}</span></button>` +
    ` <span class="muted">${active} active</span></td>`
}

export async function mount (el) {
  el.innerHTML = `<section aria-labelledby="ctx-h"><div class="view-head"><h2 id="ctx-h">Context</h2><p class="muted">Models, agents and tasks registered through <code>/context</code>.</p></div>
    ${KINDS.map((k) => `<h3 id="ctx-${k.kind}-h">${k.title} <span class="muted" id="ctx-${k.kind}-n"></span></h3><div class="scroll"><table aria-labelledby="ctx-${k.kind}-h" id="ctx-${k.kind}"><thead><tr>${k.cols.map(([, t]) => `<th scope="col">${t}</th>`).join('')}<th scope="col">Updated</th>${k.tokens ? '<th scope="col">MCP tokens</th>' : ''}</tr></thead><tbody></tbody></table></div>` +
      (k.tokens ? '<section id="ctx-tokens" class="token-panel" aria-labelledby="ctx-tokens-h"></section>' : '')).join('')}
  </section>`
  let agents = []

  async function load () {
    const [tokens, ...pages] = await Promise.all([api('/agent-tokens'), ...KINDS.map((k) => api(`/context/${k.kind}?limit=1000`))])
    const active = new Map()
    for (const t of tokens) if (tokenState(t) === 'active') active.set(t.agentId, (active.get(t.agentId) ?? 0) + 1)
    KINDS.forEach((k, i) => {
      const items = pages[i].items
      if (k.tokens) agents = items
      el.querySelector(`#ctx-${k.kind}-n`).textContent = `(${items.length}${pages[i].nextCursor ? '+' : ''})`
      el.querySelector(`#ctx-${k.kind} tbody`).innerHTML = items.length
        ? items.map((it) => `<tr>${k.cols.map(([f]) => `<td>${f === 'status' && it.status ? `<span class="pill">${esc(it.status)}</span>` : cell(it[f])}</td>`).join('')}<td>${esc(fmtAgo(it.updatedAt))}</td>` +
          `${k.tokens ? tokensCell(it, active.get(it.id) ?? 0, panel.agentId) : ''}</tr>`).join('')
        : `<tr><td colspan="${k.cols.length + (k.tokens ? 2 : 1)}" class="empty">None registered.</td></tr>`
    })
  }
  const reload = debounce(() => load().catch((err) => showError(err)), 500)
  const panel = createTokenPanel(el.querySelector('#ctx-tokens'), {
    onChange: reload,
    onClose: (agentId) => {
      const button = el.querySelector(`[data-tokens="${CSS.escape(agentId)}"]`)
      button?.setAttribute('aria-expanded', 'false')
      button?.focus()
    },
  })

  el.querySelector('#ctx-agents').addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-tokens]')
    if (!b) return
    const agent = agents.find((a) => a.id === b.dataset.tokens)
    if (!agent) return
    for (const other of el.querySelectorAll('[data-tokens]')) other.setAttribute('aria-expanded', String(other === b))
    panel.open(agent)
  })

  await load()
  const reloadTokens = debounce(() => panel.reload(), 500)
  return onLive('audit', ({ data }) => {
    if (data.action.startsWith('context.') || data.action.startsWith('agent_token.')) reload()
    // a token's use (lastUsedAt) and its changes show in the open panel
    if (panel.agentId && (data.action.startsWith('agent_token.') || (data.actor.type === 'agent' && data.actor.id === panel.agentId))) reloadTokens()
  })
}
