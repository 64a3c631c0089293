// Context view: the registry of AI models, agents and tasks, and each agent's MCP tokens; refreshed
// live when the trail records a change to it (registry changes are audited as context.<kind>.<verb>,
// token changes as agent_token.<verb>, an agent's calls as mcp.tool_call).
import { api, debounce, esc, fmtAgo, onLive, showError, t } from './lib.js'
import { createTokenPanel, tokenState } from './agent-tokens.js'

const KINDS = [
  { kind: 'models', title: t('context.models'), cols: [['name', t('context.name')], ['version', t('context.version')], ['provider', t('context.provider')], ['status', t('context.status')], ['capabilities', t('context.capabilities')]] },
  { kind: 'agents', title: t('context.agents'), cols: [['name', t('context.name')], ['type', t('context.type')], ['status', t('context.status')], ['model', t('context.model')], ['owner', t('context.owner')], ['tools', t('context.tools')]], tokens: true },
  { kind: 'tasks', title: t('context.tasks'), cols: [['name', t('context.name')], ['status', t('context.status')], ['assignee', t('context.assignee')], ['result', t('context.result')]] },
]

// registry statuses are data (the API's words); the page shows them in its language
const STATUS_TEXT = {
  active: t('context.status.active'),
  deprecated: t('context.status.deprecated'),
  retired: t('context.status.retired'),
  paused: t('context.status.paused'),
  submitted: t('context.status.submitted'),
  working: t('context.status.working'),
  input_required: t('context.status.input_required'),
  completed: t('context.status.completed'),
  failed: t('context.status.failed'),
  canceled: t('context.status.canceled'),
}

const cell = (v) => Array.isArray(v) ? v.map(esc).join(', ') : esc(v ?? '—')

function tokensCell (agent, active, openId) {
  return `<td class="actions"><button type="button" class="link" data-tokens="${esc(agent.id)}" aria-controls="ctx-tokens" aria-expanded="${agent.id === openId}">${t('context.tokens')}<span class="sr-only"> ${esc(t('context.tokensOf', { name: agent.name }))}</span></button>` +
    ` <span class="muted">${esc(t('context.activeTokens', { count: active }))}</span></td>`
}

export async function mount (el) {
  el.innerHTML = `<section aria-labelledby="ctx-h"><div class="view-head"><h2 id="ctx-h">${t('nav.context')}</h2><p class="muted">${t('context.intro')} <code>/context</code>.</p></div>
    ${KINDS.map((k) => `<h3 id="ctx-${k.kind}-h">${k.title} <span class="muted" id="ctx-${k.kind}-n"></span></h3><div class="scroll"><table aria-labelledby="ctx-${k.kind}-h" id="ctx-${k.kind}"><thead><tr>${k.cols.map(([, t]) => `<th scope="col">${t}</th>`).join('')}<th scope="col">${t('context.updated')}</th>${k.tokens ? `<th scope="col">${t('context.mcpTokens')}</th>` : ''}</tr></thead><tbody></tbody></table></div>` +
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
        ? items.map((it) => `<tr>${k.cols.map(([f]) => `<td>${f === 'status' && it.status ? `<span class="pill">${esc(STATUS_TEXT[it.status] ?? it.status)}</span>` : cell(it[f])}</td>`).join('')}<td>${esc(fmtAgo(it.updatedAt))}</td>` +
          `${k.tokens ? tokensCell(it, active.get(it.id) ?? 0, panel.agentId) : ''}</tr>`).join('')
        : `<tr><td colspan="${k.cols.length + (k.tokens ? 2 : 1)}" class="empty">${t('context.none')}</td></tr>`
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
