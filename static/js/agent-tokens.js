// An agent's MCP tokens, in the Context view: list them, mint one (its text shown once, with what an
// MCP client needs to use it) and revoke one, through /context/agents/:id/tokens.
import { api, esc, fmtAgo, fmtTime, showError, t, toast } from './lib.js'

// The scopes a token may carry, as the hub defines them in src/domain/mcp/scopes.ts (the dashboard's
// MCP test checks that the two lists agree).
export const SCOPES = [
  ['read', t('tokens.scope.read')],
  ['events:write', t('tokens.scope.eventsWrite')],
  ['audit:write', t('tokens.scope.auditWrite')],
  ['context:write', t('tokens.scope.contextWrite')],
  ['alerts:ack', t('tokens.scope.alertsAck')],
  ['services:write', t('tokens.scope.servicesWrite')],
]

const PATH = (agentId) => `/context/agents/${encodeURIComponent(agentId)}/tokens`

/** active, revoked or expired, in words (the pill's colour is a hint only) */
const STATE_TEXT = { active: t('tokens.state.active'), revoked: t('tokens.state.revoked'), expired: t('tokens.state.expired') }

export function tokenState (tok, now = Date.now()) {
  if (tok.revokedAt) return 'revoked'
  if (tok.expiresAt && Date.parse(tok.expiresAt) <= now) return 'expired'
  return 'active'
}

function rowHtml (tok) {
  const state = tokenState(tok)
  return `<tr data-token="${esc(tok.id)}"><td>${esc(tok.name)} <span class="muted">(<code>${esc(tok.id)}</code>)</span></td>` +
    `<td>${tok.scopes.map((s) => `<code>${esc(s)}</code>`).join(', ')}</td>` +
    `<td>${esc(fmtTime(tok.createdAt))} <span class="muted">${esc(t('tokens.by', { who: tok.createdBy }))}</span></td>` +
    `<td>${tok.expiresAt ? esc(fmtTime(tok.expiresAt)) : t('tokens.never')}</td>` +
    `<td>${tok.lastUsedAt ? esc(fmtAgo(tok.lastUsedAt)) : t('tokens.never')}</td>` +
    `<td><span class="pill tok-${state}">${STATE_TEXT[state]}</span>${tok.revokedAt ? ` ${esc(fmtTime(tok.revokedAt))}` : ''}</td>` +
    `<td class="actions">${tok.revokedAt ? '' : `<button type="button" class="danger" data-revoke="${esc(tok.id)}" aria-label="${esc(t('tokens.revokeLabel', { name: tok.name }))}">${t('tokens.revoke')}</button>`}</td></tr>`
}

function formHtml (agent) {
  return `<form class="editor" id="ctx-token-form" aria-labelledby="ctx-token-form-h" novalidate>
    <h4 id="ctx-token-form-h">${esc(t('tokens.newFor', { name: agent.name }))}</h4>
    <label>${t('tokens.name')} <input name="name" maxlength="100" autocomplete="off" placeholder="${esc(t('tokens.namePlaceholder'))}"></label>
    <fieldset class="scopes"><legend>${t('tokens.scopes')}</legend>
      ${SCOPES.map(([s, meaning]) => `<label class="check"><input type="checkbox" name="scopes" value="${esc(s)}"${s === 'read' ? ' checked' : ''}> <code>${esc(s)}</code> <span class="muted">${esc(meaning)}</span></label>`).join('')}
    </fieldset>
    <label>${t('tokens.expiresOptional')} <input type="datetime-local" name="expiresAt"></label>
    <p class="form-error" role="alert" hidden></p>
    <p><button type="submit">${t('tokens.create')}</button> <button type="button" data-cancel>${t('common.cancel')}</button></p>
  </form>`
}

/** The token's text, once: the hub keeps only its hash. */
function onceHtml (agent, created) {
  const url = `${location.origin}/mcp`
  const header = `Authorization: Bearer ${created.token}`
  const settings = JSON.stringify({ mcpServers: { 'mcp-server': { type: 'http', url, headers: { Authorization: `Bearer ${created.token}` } } } }, null, 2)
  return `<div class="editor token-once" id="ctx-token-once" role="region" aria-labelledby="ctx-token-once-h">
    <h4 id="ctx-token-once-h">${esc(t('tokens.created', { name: created.info.name, agent: agent.name }))}</h4>
    <p class="warn"><strong>${t('tokens.onceWarn')}</strong> ${t('tokens.onceHash')}</p>
    <label for="ctx-token-text">${t('tokens.token')}</label>
    <p class="copy-row"><input id="ctx-token-text" readonly spellcheck="false" autocomplete="off" value="${esc(created.token)}"> <button type="button" data-copy="ctx-token-text">${t('tokens.copyToken')}</button></p>
    <h5>${t('tokens.forClient')}</h5>
    <dl class="facts"><dt>URL</dt><dd><code id="ctx-token-url">${esc(url)}</code></dd><dt>${t('tokens.header')}</dt><dd><code id="ctx-token-header">${esc(header)}</code></dd></dl>
    <label for="ctx-token-snippet">${t('tokens.snippet.before')} <code>mcpServers</code> ${t('tokens.snippet.after')}</label>
    <textarea id="ctx-token-snippet" readonly rows="${settings.split('\n').length}" spellcheck="false">${esc(settings)}</textarea>
    <p><button type="button" data-copy="ctx-token-snippet">${t('tokens.copySettings')}</button> <button type="button" data-done>${t('tokens.done')}</button></p>
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
    el.innerHTML = `<div class="view-head"><h3 id="ctx-tokens-h" tabindex="-1">${esc(t('tokens.title', { name: agent.name }))} <span class="muted">(<code>${esc(agent.id)}</code>)</span></h3>
      <button type="button" data-new>${t('tokens.new')}</button> <button type="button" data-close>${t('common.close')}</button>
      <a href="#/audit?actorType=agent&amp;actorId=${encodeURIComponent(agent.id)}&amp;action=mcp.">${t('tokens.toolCalls')}</a></div>
      <p class="muted">${t('tokens.intro.before')} <code>/mcp</code> ${t('tokens.intro.after')}</p>
      <div class="token-slot"></div>
      <p class="form-error" role="alert" hidden></p>
      <div class="scroll"><table id="ctx-tokens-table" aria-labelledby="ctx-tokens-h"><thead><tr><th scope="col">${t('tokens.name')}</th><th scope="col">${t('tokens.scopes')}</th><th scope="col">${t('tokens.createdCol')}</th><th scope="col">${t('tokens.expires')}</th><th scope="col">${t('tokens.lastUsed')}</th><th scope="col">${t('tokens.state')}</th><th scope="col"><span class="sr-only">${t('common.actions')}</span></th></tr></thead><tbody></tbody></table></div>`
  }

  async function load () {
    if (!agent) return
    const shown = agent.id
    const list = await api(PATH(shown))
    if (!agent || agent.id !== shown) return
    tokens = list
    el.querySelector('#ctx-tokens-table tbody').innerHTML = tokens.length
      ? tokens.map(rowHtml).join('')
      : `<tr><td colspan="7" class="empty">${t('tokens.none')}</td></tr>`
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
    if (!name) { showError(new Error(t('tokens.needName')), formError); f.name.focus(); return }
    if (!scopes.length) { showError(new Error(t('tokens.needScope')), formError); return }
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
      toast(t('tokens.copied'))
    } catch {
      // no clipboard access (plain HTTP on another host, or refused): the text is selected for the keyboard
      toast(t('tokens.copySelected'))
    }
  }

  function hideToken () {
    slot().innerHTML = ''
    el.querySelector('[data-new]').focus()
  }

  async function revoke (button) {
    const id = button.dataset.revoke
    const name = tokens.find((t) => t.id === id)?.name ?? id
    if (!window.confirm(t('tokens.revokeConfirm', { name, agent: agent.name }))) return
    button.disabled = true
    try {
      await api(`${PATH(agent.id)}/${encodeURIComponent(id)}`, { method: 'DELETE' })
      toast(t('tokens.revoked', { name }))
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
