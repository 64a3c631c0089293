// An agent's MCP tokens, in the Context view: list them, mint one (its text shown once, with what an
// MCP client needs to use it) and revoke one, through /context/agents/:id/tokens.
import { api, esc, fmtAgo, fmtTime, showError, toast } from './lib.js'

// The scopes a token may carry, as the hub defines them in src/domain/mcp/scopes.ts (the dashboard's
// MCP test checks that the two lists agree).
export const SCOPES = [
  ['read', 'read services, checks, incidents, events, the audit trail, alerts, the registry and metrics'],
  ['events:write', 'record events'],
  ['audit:write', 'write entries to the audit trail (as the agent)'],
  ['context:write', 'register models, change agent statuses, create and update tasks'],
  ['alerts:ack', 'acknowledge alerts'],
  ['services:write', 'pause and resume the probing of a service (adding probe targets stays with the admin)'],
]

const PATH = (agentId) => `/context/agents/${encodeURIComponent(agentId)}/tokens`

/** active, revoked or expired, in words (the pill's colour is a hint only) */
export function tokenState (t, now = Date.now()) {
  if (t.revokedAt) return 'revoked'
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return 'expired'
  return 'active'
}

function rowHtml (t) {
  const state = tokenState(t)
  return `<tr data-token="${esc(t.id)}"><td>${esc(t.name)} <span class="muted">(<code>${esc(t.id)}</code>)</span></td>` +
    `<td>${t.scopes.map((s) => `<code>${esc(s)}</code>`).join(', ')}</td>` +
    `<td>${esc(fmtTime(t.createdAt))} <span class="muted">by ${esc(t.createdBy)}</span></td>` +
    `<td>${t.expiresAt ? esc(fmtTime(t.expiresAt)) : 'never'}</td>` +
    `<td>${t.lastUsedAt ? esc(fmtAgo(t.lastUsedAt)) : 'never'}</td>` +
    `<td><span class="pill tok-${state}">${state}</span>${t.revokedAt ? ` ${esc(fmtTime(t.revokedAt))}` : ''}</td>` +
    `<td class="actions">${t.revokedAt ? '' : `<button type="button" class="danger" data-revoke="${esc(t.id)}" aria-label="Revoke token ${esc(t.name)}">Revoke</button>`}</td></tr>`
}

function formHtml (agent) {
  return `<form class="editor" id="ctx-token-form" aria-labelledby="ctx-token-form-h" novalidate>
    <h4 id="ctx-token-form-h">New token for ${esc(agent.name)}</h4>
    <label>Name <input name="name" maxlength="100" autocomplete="off" placeholder="what it is for, e.g. claude-desktop on ana's laptop"></label>
    <fieldset class="scopes"><legend>Scopes</legend>
      ${SCOPES.map(([s, meaning]) => `<label class="check"><input type="checkbox" name="scopes" value="${esc(s)}"${s === 'read' ? ' checked' : ''}> <code>${esc(s)}</code> <span class="muted">${esc(meaning)}</span></label>`).join('')}
    </fieldset>
    <label>Expires (optional, your local time) <input type="datetime-local" name="expiresAt"></label>
    <p class="form-error" role="alert" hidden></p>
    <p><button type="submit">Create token</button> <button type="button" data-cancel>Cancel</button></p>
  </form>`
}

/** The token's text, once: the hub keeps only its hash. */
function onceHtml (agent, created) {
  const url = `${location.origin}/mcp`
  const header = `Authorization: Bearer ${created.token}`
  const settings = JSON.stringify({ mcpServers: { 'mcp-server': { type: 'http', url, headers: { Authorization: `Bearer ${created.token}` } } } }, null, 2)
  return `<div class="editor token-once" id="ctx-token-once" role="region" aria-labelledby="ctx-token-once-h">
    <h4 id="ctx-token-once-h">Token “${esc(created.info.name)}” created for ${esc(agent.name)}</h4>
    <p class="warn"><strong>Copy this token now: it will not be shown again.</strong> The hub stores only a hash of it; if it is lost, revoke it and create another.</p>
    <label for="ctx-token-text">Token</label>
    <p class="copy-row"><input id="ctx-token-text" readonly spellcheck="false" autocomplete="off" value="${esc(created.token)}"> <button type="button" data-copy="ctx-token-text">Copy token</button></p>
    <h5>For the agent's MCP client</h5>
    <dl class="facts"><dt>URL</dt><dd><code id="ctx-token-url">${esc(url)}</code></dd><dt>Header</dt><dd><code id="ctx-token-header">${esc(header)}</code></dd></dl>
    <label for="ctx-token-snippet">Settings to paste (the <code>mcpServers</code> JSON most MCP clients read)</label>
    <textarea id="ctx-token-snippet" readonly rows="${settings.split('\n').length}" spellcheck="false">${esc(settings)}</textarea>
    <p><button type="button" data-copy="ctx-token-snippet">Copy settings</button> <button type="button" data-done>I have stored it: hide the token</button></p>
  </div>`
}

/**
 * The token panel, drawn into `el` (hidden until an agent is opened). `onChange` runs after a token is
 * created or revoked (the agents table's counts), `onClose` when the panel is closed.
 */
export function createTokenPanel (el, { onChange = () => {}, onClose = () => {} } = {}) {
  let agent = null // { id, name } of the agent shown
  let tokens = [] // its tokens, as last read
  el.hidden = true

  function draw () {
    el.innerHTML = `<div class="view-head"><h3 id="ctx-tokens-h" tabindex="-1">MCP tokens of ${esc(agent.name)} <span class="muted">(<code>${esc(agent.id)}</code>)</span></h3>
      <button type="button" data-new>New token</button> <button type="button" data-close>Close</button>
      <a href="#/audit?actorType=agent&amp;actorId=${encodeURIComponent(agent.id)}&amp;action=mcp.">Its tool calls in the audit trail</a></div>
      <p class="muted">A token lets an MCP client call <code>/mcp</code> as this agent, within its scopes.</p>
      <div class="token-slot"></div>
      <p class="form-error" role="alert" hidden></p>
      <div class="scroll"><table id="ctx-tokens-table" aria-labelledby="ctx-tokens-h"><thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody></tbody></table></div>`
  }

  async function load () {
    if (!agent) return
    const shown = agent.id
    const list = await api(PATH(shown))
    if (!agent || agent.id !== shown) return
    tokens = list
    el.querySelector('#ctx-tokens-table tbody').innerHTML = tokens.length
      ? tokens.map(rowHtml).join('')
      : '<tr><td colspan="7" class="empty">No tokens yet.</td></tr>'
  }

  const slot = () => el.querySelector('.token-slot')
  const errorEl = () => el.querySelector(':scope > .form-error')

  function openForm () {
    slot().innerHTML = formHtml(agent)
    slot().querySelector('input[name="name"]').focus()
  }

  async function create (form) {
    const formError = form.querySelector('.form-error')
    const f = form.elements
    const scopes = [...form.querySelectorAll('input[name="scopes"]:checked')].map((c) => c.value)
    const name = f.name.value.trim()
    if (!name) { showError(new Error('Give the token a name: what it is for.'), formError); f.name.focus(); return }
    if (!scopes.length) { showError(new Error('Choose at least one scope.'), formError); return }
    const body = { name, scopes, expiresAt: f.expiresAt.value ? new Date(f.expiresAt.value).toISOString() : null }
    const button = form.querySelector('button[type="submit"]')
    button.disabled = true
    try {
      const created = await api(PATH(agent.id), { method: 'POST', body })
      slot().innerHTML = onceHtml(agent, created)
      const field = el.querySelector('#ctx-token-text')
      field.focus()
      field.select()
      await load()
      onChange()
    } catch (err) {
      button.disabled = false
      showError(err, formError)
    }
  }

  async function copy (id) {
    const field = el.querySelector(`#${id}`)
    field.select()
    try {
      await navigator.clipboard.writeText(field.value)
      toast('Copied to the clipboard')
    } catch {
      // no clipboard access (plain HTTP on another host, or refused): the text is selected for the keyboard
      toast('The page may not write to the clipboard here: the text is selected, press Ctrl+C (⌘C)')
    }
  }

  function hideToken () {
    slot().innerHTML = ''
    el.querySelector('[data-new]').focus()
  }

  async function revoke (button) {
    const id = button.dataset.revoke
    const name = tokens.find((t) => t.id === id)?.name ?? id
    if (!window.confirm(`Revoke token “${name}” of ${agent.name}? Its client is refused from the next request on.`)) return
    button.disabled = true
    try {
      await api(`${PATH(agent.id)}/${encodeURIComponent(id)}`, { method: 'DELETE' })
      toast(`Token “${name}” revoked`)
      await load()
      onChange()
    } catch (err) {
      button.disabled = false
      showError(err, errorEl())
    }
  }

  el.addEventListener('click', (ev) => {
    const b = ev.target.closest('button')
    if (!b) return
    if (b.dataset.new !== undefined) openForm()
    else if (b.dataset.close !== undefined) panel.close()
    else if (b.dataset.cancel !== undefined) slot().innerHTML = ''
    else if (b.dataset.copy) copy(b.dataset.copy)
    else if (b.dataset.done !== undefined) hideToken()
    else if (b.dataset.revoke) revoke(b)
  })
  el.addEventListener('submit', (ev) => {
    if (ev.target.id !== 'ctx-token-form') return
    ev.preventDefault()
    create(ev.target)
  })

  const panel = {
    /** the agent shown, or null */
    get agentId () { return agent?.id ?? null },
    async open (a) {
      agent = { id: a.id, name: a.name }
      draw()
      el.hidden = false
      el.querySelector('#ctx-tokens-h').focus()
      try { await load() } catch (err) { showError(err, errorEl()) }
    },
    close () {
      // nothing of a token shown once stays in the page
      const was = agent
      agent = null
      tokens = []
      el.innerHTML = ''
      el.hidden = true
      if (was) onClose(was.id)
    },
    /** re-reads the list (a live change); a form or a token being shown stays as it is */
    reload: () => load().catch((err) => showError(err, errorEl())),
  }
  return panel
}
