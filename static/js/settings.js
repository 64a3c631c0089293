// Settings: services, notification channels, alert rules, silences and maintenance windows, created,
// edited and deleted through the same API as any client. The editor is the object's JSON, as the API
// takes it, so every field of every channel type is reachable; the API's messages name a bad field.
// Objects from the config file are shown read-only.
import { api, debounce, esc, fmtTime, onLive, showError, t, toast } from './lib.js'

const hourFromNow = () => new Date(Date.now() + 3_600_000).toISOString()
const without = (obj, keys) => Object.fromEntries(Object.entries(obj).filter(([k, v]) => !keys.includes(k) && v !== null))
const list = (v) => Array.isArray(v) && v.length ? v.map(esc).join(', ') : '—'

// a rule's kind is API data; the table shows its label
const RULE_KINDS = { service: t('settings.kind.service'), aggregate: t('settings.kind.aggregate') }

const RESOURCES = [
  {
    key: 'services',
    title: t('settings.services'),
    one: t('settings.service'),
    audit: 'service',
    path: '/services',
    idOf: (s) => s.name,
    readOnly: (s) => s.readOnly,
    cols: [[t('settings.name'), (s) => `<a href="#/service/${encodeURIComponent(s.name)}">${esc(s.name)}</a>`], ['URL', (s) => `<code>${esc(s.url)}</code>`], [t('settings.tags'), (s) => list(s.tags)], [t('settings.enabled'), (s) => s.enabled ? t('common.yes') : t('settings.noPaused')]],
    template: () => ({ name: 'new-service', url: 'https://example.internal/health', interval: '30s', timeout: '5s', tags: [] }),
    // the stored definition, without nulls (absent optional fields), is what PUT takes
    editable: async (s) => without((await api(`/services/${encodeURIComponent(s.name)}`)).definition, []),
  },
  {
    key: 'channels',
    title: t('settings.channels'),
    one: t('settings.channel'),
    audit: 'channel',
    path: '/notifications/channels',
    idOf: (c) => c.id,
    readOnly: (c) => c.source === 'config',
    cols: [[t('settings.id'), (c) => esc(c.id)], [t('settings.type'), (c) => esc(c.type)], [t('settings.target'), (c) => `<code>${esc(c.url ?? c.to ?? '')}</code>`], [t('settings.enabled'), (c) => c.enabled === false ? t('common.no') : t('common.yes')]],
    template: () => ({ id: 'new-channel', type: 'webhook', url: 'https://hooks.example.internal/mcp' }),
    editable: async (c) => without(c, ['source']),
  },
  {
    key: 'rules',
    title: t('settings.rules'),
    one: t('settings.rule'),
    audit: 'rule',
    path: '/notifications/rules',
    idOf: (r) => r.id,
    readOnly: (r) => r.source === 'config',
    cols: [[t('settings.id'), (r) => esc(r.id)], [t('settings.kind'), (r) => esc(RULE_KINDS[r.kind ?? 'service'] ?? r.kind)], [t('settings.servicesTags'), (r) => `${list(r.services)} / ${list(r.tags)}`], [t('settings.channelsCol'), (r) => list(r.channels)]],
    template: () => ({ id: 'new-rule', channels: [], severities: ['critical', 'warning'] }),
    editable: async (r) => without(r, ['source']),
  },
  {
    key: 'silences',
    title: t('settings.silences'),
    one: t('settings.silence'),
    audit: 'silence',
    path: '/silences',
    idOf: (s) => s.id,
    readOnly: () => false,
    cols: [[t('settings.servicesTags'), (s) => `${list(s.services)} / ${list(s.tags)}`], [t('settings.until'), (s) => esc(fmtTime(s.endsAt))], [t('settings.active'), (s) => s.active ? `<strong>${t('common.yes')}</strong>` : t('common.no')], [t('settings.comment'), (s) => `${esc(s.comment)} <span class="muted">— ${esc(s.author)}</span>`]],
    template: () => ({ services: [], tags: [], endsAt: hourFromNow(), comment: t('settings.templateComment') }),
    editable: async (s) => without(s, ['id', 'author', 'createdAt', 'active']),
  },
  {
    key: 'maintenance',
    title: t('settings.maintenance'),
    one: t('settings.maintenanceOne'),
    audit: 'maintenance',
    path: '/maintenance',
    idOf: (m) => m.id,
    readOnly: (m) => m.source === 'config',
    cols: [[t('settings.id'), (m) => esc(m.id)], [t('settings.when'), (m) => `${list(m.weekdays)} ${esc(m.start)}–${esc(m.end)} ${esc(m.timeZone ?? 'UTC')}`], [t('settings.servicesTags'), (m) => `${list(m.services)} / ${list(m.tags)}`], [t('settings.openNow'), (m) => m.active ? `<strong>${t('common.yes')}</strong>` : t('common.no')]],
    template: () => ({ id: 'nightly', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '02:00', end: '02:30', timeZone: 'UTC', services: [] }),
    editable: async (m) => without(m, ['source', 'active']),
  },
]

function sectionHtml (r) {
  return `<section class="resource" id="set-${r.key}" aria-labelledby="set-${r.key}-h">
    <div class="view-head"><h3 id="set-${r.key}-h">${r.title}</h3><button type="button" data-new="${r.key}">${t('settings.new')}</button></div>
    <div class="editor-slot"></div>
    <div class="scroll"><table><thead><tr>${r.cols.map(([t]) => `<th scope="col">${t}</th>`).join('')}<th scope="col">${t('settings.source')}</th><th scope="col"><span class="sr-only">${t('common.actions')}</span></th></tr></thead><tbody></tbody></table></div>
  </section>`
}

export async function mount (el) {
  el.innerHTML = `<div class="view-head"><h2>${t('nav.settings')}</h2><p class="muted">${t('settings.intro')}</p></div>
    <nav class="subnav" aria-label="${esc(t('settings.sections'))}"><ul>${RESOURCES.map((r) => `<li><a href="#/settings" data-jump="set-${r.key}">${r.title}</a></li>`).join('')}</ul></nav>
    ${RESOURCES.map(sectionHtml).join('')}`
  const rows = new Map() // key -> items

  async function load (r) {
    const items = await api(r.path)
    rows.set(r.key, items)
    el.querySelector(`#set-${r.key} tbody`).innerHTML = items.length
      ? items.map((it) => {
        const id = r.idOf(it)
        const ro = r.readOnly(it)
        return `<tr>${r.cols.map(([, f]) => `<td>${f(it)}</td>`).join('')}<td>${ro ? t('settings.sourceFile') : t('settings.sourceApi')}</td>` +
          `<td class="actions">${ro ? '' : `<button type="button" data-edit="${esc(id)}" aria-label="${esc(t('settings.editLabel', { id }))}">${t('settings.edit')}</button> <button type="button" class="danger" data-delete="${esc(id)}" aria-label="${esc(t('settings.deleteLabel', { id }))}">${t('settings.delete')}</button>`}</td></tr>`
      }).join('')
      : `<tr><td colspan="${r.cols.length + 2}" class="empty">${t('settings.none')}</td></tr>`
  }

  function openEditor (r, value, id) {
    const slot = el.querySelector(`#set-${r.key} .editor-slot`)
    slot.innerHTML = `<form class="editor"><label>${esc(id ? t('settings.editorEdit', { id }) : t('settings.editorNew', { what: r.one }))}
      <textarea name="json" rows="12" spellcheck="false">${esc(JSON.stringify(value, null, 2))}</textarea></label>
      <p class="form-error" role="alert" hidden></p>
      <p><button type="submit">${t('settings.save')}</button> <button type="button" data-cancel>${t('common.cancel')}</button></p></form>`
    const form = slot.querySelector('form')
    form.elements.json.focus()
    form.querySelector('[data-cancel]').addEventListener('click', () => { slot.innerHTML = '' })
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault()
      const errorEl = form.querySelector('.form-error')
      let body
      try { body = JSON.parse(form.elements.json.value) } catch (err) { showError(new Error(t('settings.badJson', { message: err.message })), errorEl); return }
      try {
        await api(id ? `${r.path}/${encodeURIComponent(id)}` : r.path, { method: id ? 'PUT' : 'POST', body })
        slot.innerHTML = ''
        toast(t('settings.saved', { what: r.title }))
        await load(r)
      } catch (err) { showError(err, errorEl) }
    })
  }

  el.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button, a[data-jump]')
    if (!b) return
    const section = b.closest('.resource')
    const r = section ? RESOURCES.find((x) => `set-${x.key}` === section.id) : null
    try {
      if (b.dataset.jump) {
        ev.preventDefault()
        const target = el.querySelector(`#${b.dataset.jump}`)
        target.scrollIntoView()
        target.querySelector('h3').setAttribute('tabindex', '-1')
        target.querySelector('h3').focus()
      } else if (b.dataset.new) {
        openEditor(r, r.template())
      } else if (b.dataset.edit) {
        const item = rows.get(r.key).find((x) => r.idOf(x) === b.dataset.edit)
        openEditor(r, await r.editable(item), b.dataset.edit)
      } else if (b.dataset.delete) {
        if (!window.confirm(t('settings.deleteConfirm', { id: b.dataset.delete }))) return
        await api(`${r.path}/${encodeURIComponent(b.dataset.delete)}`, { method: 'DELETE' })
        toast(t('settings.deleted', { what: r.title, id: b.dataset.delete }))
        await load(r)
      }
    } catch (err) { showError(err) }
  })

  await Promise.all(RESOURCES.map(load))
  const reloads = new Map(RESOURCES.map((r) => [r.audit, debounce(() => load(r).catch((err) => showError(err)), 500)]))
  return onLive('audit', ({ data }) => reloads.get(data.action.split('.')[0])?.())
}
