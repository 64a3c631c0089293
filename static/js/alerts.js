// Alerts view: active alerts (acknowledge with a comment) and recently resolved ones; live.
import { api, debounce, esc, fmtAgo, fmtTime, onLive, showError, toast } from './lib.js'

const STATUS_TEXT = {
  firing: '▼ Firing',
  acknowledged: '✓ Acknowledged',
  suppressed: '⤓ Suppressed (dependency down)',
  silenced: '🔇 Silenced',
  maintenance: '⚒ Maintenance',
  resolved: '▲ Resolved',
}

function alertRow (a, active) {
  const who = a.service ?? `${a.services.length} services`
  const ack = a.acknowledged
  return `<li class="alert al-${esc(a.status)}" data-alert="${esc(a.id)}">
    <div class="alert-head"><span class="badge al-${esc(a.status)}">${esc(STATUS_TEXT[a.status] ?? a.status)}</span>
      <strong>${a.service ? `<a href="#/service/${encodeURIComponent(a.service)}">${esc(who)}</a>` : esc(who)}</strong>
      <span class="sev sev-${esc(a.severity)}">${esc(a.severity)}</span>
      <span class="muted">rule ${esc(a.ruleId)}</span></div>
    <p>${a.cause ? `Cause: ${esc(a.cause)} · ` : ''}fired ${esc(fmtTime(a.firedAt))} (${esc(fmtAgo(a.firedAt))})${a.resolvedAt ? ` · resolved ${esc(fmtTime(a.resolvedAt))}` : ''}${a.channels.length ? ` · to ${a.channels.map(esc).join(', ')}` : ''}</p>
    ${ack ? `<p class="ack">Acknowledged by ${esc(ack.by)} ${esc(fmtAgo(ack.at))}${ack.comment ? `: “${esc(ack.comment)}”` : ''}</p>` : ''}
    ${active && a.status === 'firing'
      ? `<form class="ack-form" data-ack="${esc(a.id)}"><label>Comment <input name="comment" maxlength="2000" placeholder="who is on it, what is being done"></label> <button type="submit">Acknowledge</button><span class="form-error" role="alert" hidden></span></form>`
      : ''}
  </li>`
}

export async function mount (el) {
  el.innerHTML = `<section aria-labelledby="alerts-h">
    <div class="view-head"><h2 id="alerts-h">Alerts</h2></div>
    <p id="alerts-delivery" class="warn" role="status" hidden></p>
    <h3>Active</h3><ul id="alerts-active" class="alerts"></ul>
    <h3>Recently resolved</h3><ul id="alerts-resolved" class="alerts"></ul>
  </section>`
  const activeEl = el.querySelector('#alerts-active')
  const resolvedEl = el.querySelector('#alerts-resolved')
  const deliveryEl = el.querySelector('#alerts-delivery')

  async function load () {
    const [active, resolved, delivery] = await Promise.all([
      api('/alerts?state=active&limit=500'), api('/alerts?state=resolved&limit=50'), api('/notifications/delivery-status'),
    ])
    // said plainly when no channel would deliver these alerts (or some rules reach none)
    deliveryEl.hidden = delivery.delivering && delivery.undeliveredRules.length === 0
    deliveryEl.textContent = delivery.message
    // keep a comment being typed when a live update redraws the list
    const typing = document.activeElement?.closest?.('[data-ack]')
    const draft = typing ? { id: typing.dataset.ack, value: typing.elements.comment.value } : null
    activeEl.innerHTML = active.length ? active.map((a) => alertRow(a, true)).join('') : '<li class="empty">No active alerts.</li>'
    resolvedEl.innerHTML = resolved.length ? resolved.map((a) => alertRow(a, false)).join('') : '<li class="empty">Nothing resolved recently.</li>'
    if (draft) {
      const form = activeEl.querySelector(`[data-ack="${CSS.escape(draft.id)}"]`)
      if (form) { form.elements.comment.value = draft.value; form.elements.comment.focus() }
    }
  }

  activeEl.addEventListener('submit', async (ev) => {
    const form = ev.target.closest('[data-ack]')
    if (!form) return
    ev.preventDefault()
    const button = form.querySelector('button')
    button.disabled = true
    try {
      const comment = form.elements.comment.value.trim()
      await api(`/alerts/${encodeURIComponent(form.dataset.ack)}/ack`, { method: 'POST', body: comment ? { comment } : {} })
      toast('Alert acknowledged')
      await load()
    } catch (err) {
      button.disabled = false
      showError(err, form.querySelector('.form-error'))
    }
  })

  await load()
  const reload = debounce(() => load().catch((err) => showError(err)), 300)
  const off = onLive('alert', reload)
  return off
}
