// Alerts view: active alerts (acknowledge with a comment) and recently resolved ones; live.
import { api, debounce, esc, fmtAgo, fmtTime, onLive, showError, t, toast } from './lib.js'

const STATUS_TEXT = {
  firing: `▼ ${t('alerts.status.firing')}`,
  acknowledged: `✓ ${t('alerts.status.acknowledged')}`,
  suppressed: `⤓ ${t('alerts.status.suppressed')}`,
  silenced: `🔇 ${t('alerts.status.silenced')}`,
  maintenance: `⚒ ${t('alerts.status.maintenance')}`,
  resolved: `▲ ${t('alerts.status.resolved')}`,
}

const SEVERITY_TEXT = { critical: t('alerts.severity.critical'), warning: t('alerts.severity.warning') }

function alertRow (a, active) {
  const who = a.service ?? t('alerts.services', { count: a.services.length })
  const ack = a.acknowledged
  return `<li class="alert al-${esc(a.status)}" data-alert="${esc(a.id)}">
    <div class="alert-head"><span class="badge al-${esc(a.status)}">${esc(STATUS_TEXT[a.status] ?? a.status)}</span>
      <strong>${a.service ? `<a href="#/service/${encodeURIComponent(a.service)}">${esc(who)}</a>` : esc(who)}</strong>
      <span class="sev sev-${esc(a.severity)}">${esc(SEVERITY_TEXT[a.severity] ?? a.severity)}</span>
      <span class="muted">${esc(t('alerts.rule', { id: a.ruleId }))}</span></div>
    <p>${a.cause ? `${esc(t('alerts.cause', { cause: a.cause }))} · ` : ''}${esc(t('alerts.fired', { time: fmtTime(a.firedAt), ago: fmtAgo(a.firedAt) }))}${a.resolvedAt ? ` · ${esc(t('alerts.resolvedAt', { time: fmtTime(a.resolvedAt) }))}` : ''}${a.channels.length ? ` · ${esc(t('alerts.to', { channels: a.channels.join(', ') }))}` : ''}</p>
    ${ack ? `<p class="ack">${esc(t('alerts.ackBy', { by: ack.by, ago: fmtAgo(ack.at) }))}${ack.comment ? `: “${esc(ack.comment)}”` : ''}</p>` : ''}
    ${active && a.status === 'firing'
      ? `<form class="ack-form" data-ack="${esc(a.id)}"><label>${t('alerts.comment')} <input name="comment" maxlength="2000" placeholder="${esc(t('alerts.commentPlaceholder'))}"></label> <button type="submit">${t('alerts.acknowledge')}</button><span class="form-error" role="alert" hidden></span></form>`
      : ''}
  </li>`
}

export async function mount (el) {
  el.innerHTML = `<section aria-labelledby="alerts-h">
    <div class="view-head"><h2 id="alerts-h">${t('nav.alerts')}</h2></div>
    <p id="alerts-delivery" class="warn" role="status" hidden></p>
    <h3>${t('alerts.active')}</h3><ul id="alerts-active" class="alerts"></ul>
    <h3>${t('alerts.recentlyResolved')}</h3><ul id="alerts-resolved" class="alerts"></ul>
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
    deliveryEl.textContent = delivery.enabledChannels === 0 ? t('alerts.delivery.noChannel') : t('alerts.delivery.rules', { count: delivery.undeliveredRules.length, rules: delivery.undeliveredRules.join(', ') })
    // keep a comment being typed when a live update redraws the list
    const typing = document.activeElement?.closest?.('[data-ack]')
    const draft = typing ? { id: typing.dataset.ack, value: typing.elements.comment.value } : null
    activeEl.innerHTML = active.length ? active.map((a) => alertRow(a, true)).join('') : `<li class="empty">${t('alerts.noneActive')}</li>`
    resolvedEl.innerHTML = resolved.length ? resolved.map((a) => alertRow(a, false)).join('') : `<li class="empty">${t('alerts.noneResolved')}</li>`
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
      toast(t('alerts.acknowledged'))
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
