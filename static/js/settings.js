// Settings: services, notification channels, alert rules, silences and maintenance windows, created,
// edited and deleted through the same API as any client. The editor is the object's JSON, as the API
// takes it, so every field of every channel type is reachable; the API's messages name a bad field.
// Objects from the config file are shown read-only.
import { api, debounce, esc, fmtTime, onLive, showError, toast } from './lib.js'

const hourFromNow = () => new Date(Date.now() + 3_600_000).toISOString()
const without = (obj, keys) => Object.fromEntries(Object.entries(obj).filter(([k, v]) => !keys.includes(k) && v !== null))
const list = (v) => Array.isArray(v) && v.length ? v.map(esc).join(', ') : '—'

const RESOURCES = [
  {
    key: 'services',
    title: 'Services',
    audit: 'service',
    path: '/services',
    idOf: (s) => s.name,
    readOnly: (s) => s.readOnly,
    cols: [['Name', (s) => `<a href="#/service/${encodeURIComponent(s.name)}">${esc(s.name)}</a>`], ['URL', (s) => `<code>${esc(s.url)}</code>`], ['Tags', (s) => list(s.tags)], ['Enabled', (s) => s.enabled ? 'yes' : 'no (paused)']],
    template: () => ({ name: 'new-service', url: 'https://example.internal/health', interval: '30s', timeout: '5s', tags: [] }),
    // the stored definition, without nulls (absent optional fields), is what PUT takes
    editable: async (s) => without((await api(`/services/${encodeURIComponent(s.name)}`)).definition, []),
  },
  {
    key: 'channels',
    title: 'Notification channels',
    audit: 'channel',
    path: '/notifications/channels',
    idOf: (c) => c.id,
    readOnly: (c) => c.source === 'config',
    cols: [['Id', (c) => esc(c.id)], ['Type', (c) => esc(c.type)], ['Target', (c) => `<code>${esc(c.url ?? c.to ?? '')}</code>`], ['Enabled', (c) => c.enabled === false ? 'no' : 'yes']],
    template: () => ({ id: 'new-channel', type: 'webhook', url: 'https://hooks.example.internal/mcp' }),
    editable: async (c) => without(c, ['source']),
  },
  {
    key: 'rules',
    title: 'Alert rules',
    audit: 'rule',
    path: '/notifications/rules',
    idOf: (r) => r.id,
    readOnly: (r) => r.source === 'config',
    cols: [['Id', (r) => esc(r.id)], ['Kind', (r) => esc(r.kind ?? 'service')], ['Services / tags', (r) => `${list(r.services)} / ${list(r.tags)}`], ['Channels', (r) => list(r.channels)]],
    template: () => ({ id: 'new-rule', channels: [], severities: ['critical', 'warning'] }),
    editable: async (r) => without(r, ['source']),
  },
  {
    key: 'silences',
    title: 'Silences',
    audit: 'silence',
    path: '/silences',
    idOf: (s) => s.id,
    readOnly: () => false,
    cols: [['Services / tags', (s) => `${list(s.services)} / ${list(s.tags)}`], ['Until', (s) => esc(fmtTime(s.endsAt))], ['Active', (s) => s.active ? '<strong>yes</strong>' : 'no'], ['Comment', (s) => `${esc(s.comment)} <span class="muted">— ${esc(s.author)}</span>`]],
    template: () => ({ services: [], tags: [], endsAt: hourFromNow(), comment: 'deploying' }),
    editable: async (s) => without(s, ['id', 'author', 'createdAt', 'active']),
  },
  {
    key: 'maintenance',
    title: 'Maintenance windows',
    audit: 'maintenance',
    path: '/maintenance',
    idOf: (m) => m.id,
    readOnly: (m) => m.source === 'config',
    cols: [['Id', (m) => esc(m.id)], ['When', (m) => `${list(m.weekdays)} ${esc(m.start)}–${esc(m.end)} ${esc(m.timeZone ?? 'UTC')}`], ['Services / tags', (m) => `${list(m.services)} / ${list(m.tags)}`], ['Open now', (m) => m.active ? '<strong>yes</strong>' : 'no']],
    template: () => ({ id: 'nightly', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '02:00', end: '02:30', timeZone: 'UTC', services: [] }),
    editable: async (m) => without(m, ['source', 'active']),
  },
]

function sectionHtml (r) {
  return `<section class="resource" id="set-${r.key}" aria-labelledby="set-${r.key}-h">
    <div class="view-head"><h3 id="set-${r.key}-h">${r.title}</h3><button type="button" data-new="${r.key}">New</button></div>
    <div class="editor-slot"></div>
    <div class="scroll"><table><thead><tr>${r.cols.map(([t]) => `<th scope="col">${t}</th>`).join('')}<th scope="col">Source</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody></tbody></table></div>
  </section>`
}

export async function mount (el) {
  el.innerHTML = `<div class="view-head"><h2>Settings</h2><p class="muted">Changes go through the API and are audited. Objects from the config file are read-only here: change the file and reload.</p></div>
    <nav class="subnav" aria-label="Settings sections"><ul>${RESOURCES.map((r) => `<li><a href="#/settings" data-jump="set-${r.key}">${r.title}</a></li>`).join('')}</ul></nav>
    ${RESOURCES.map(sectionHtml).join('')}`
  const rows = new Map() // key -> items

  async function load (r) {
    const items = await api(r.path)
    rows.set(r.key, items)
    el.querySelector(`#set-${r.key} tbody`).innerHTML = items.length
      ? items.map((it) => {
        const id = r.idOf(it)
        const ro = r.readOnly(it)
        return `<tr>${r.cols.map(([, f]) => `<td>${f(it)}</td>`).join('')}<td>${ro ? 'config file (read-only)' : 'API'}</td>` +
          `<td class="actions">${ro ? '' : `<button type="button" data-edit="${esc(id)}" aria-label="Edit ${esc(id)}">Edit</button> <button type="button" class="danger" data-delete="${esc(id)}" aria-label="Delete ${esc(id)}">Delete</button>`}</td></tr>`
      }).join('')
      : `<tr><td colspan="${r.cols.length + 2}" class="empty">None.</td></tr>`
  }

  function openEditor (r, value, id) {
    const slot = el.querySelector(`#set-${r.key} .editor-slot`)
    slot.innerHTML = `<form class="editor"><label>${id ? `Edit ${esc(id)}` : `New ${esc(r.title.toLowerCase().replace(/s$/, ''))}`} (JSON, as the API takes it)
      <textarea name="json" rows="12" spellcheck="false">${esc(JSON.stringify(value, null, 2))}</textarea></label>
      <p class="form-error" role="alert" hidden></p>
      <p><button type="submit">Save</button> <button type="button" data-cancel>Cancel</button></p></form>`
    const form = slot.querySelector('form')
    form.elements.json.focus()
    form.querySelector('[data-cancel]').addEventListener('click', () => { slot.innerHTML = '' })
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault()
      const errorEl = form.querySelector('.form-error')
      let body
      try { body = JSON.parse(form.elements.json.value) } catch (err) { showError(new Error(`not valid JSON: ${err.message}`), errorEl); return }
      try {
        await api(id ? `${r.path}/${encodeURIComponent(id)}` : r.path, { method: id ? 'PUT' : 'POST', body })
        slot.innerHTML = ''
        toast(`${r.title}: saved`)
        await load(r)
      } catch (err) { showError(err, errorEl) }
    })
  }

  el.addEventListener('click', async (ev) => {
    const t = ev.target.closest('button, a[data-jump]')
    if (!t) return
    const section = t.closest('.resource')
    const r = section ? RESOURCES.find((x) => `set-${x.key}` === section.id) : null
    try {
      if (t.dataset.jump) {
        ev.preventDefault()
        const target = el.querySelector(`#${t.dataset.jump}`)
        target.scrollIntoView()
        target.querySelector('h3').setAttribute('tabindex', '-1')
        target.querySelector('h3').focus()
      } else if (t.dataset.new) {
        openEditor(r, r.template())
      } else if (t.dataset.edit) {
        const item = rows.get(r.key).find((x) => r.idOf(x) === t.dataset.edit)
        openEditor(r, await r.editable(item), t.dataset.edit)
      } else if (t.dataset.delete) {
        if (!window.confirm(`Delete ${t.dataset.delete}?`)) return
        await api(`${r.path}/${encodeURIComponent(t.dataset.delete)}`, { method: 'DELETE' })
        toast(`${r.title}: ${t.dataset.delete} deleted`)
        await load(r)
      }
    } catch (err) { showError(err) }
  })

  await Promise.all(RESOURCES.map(load))
  const reloads = new Map(RESOURCES.map((r) => [r.audit, debounce(() => load(r).catch((err) => showError(err)), 500)]))
  return onLive('audit', ({ data }) => reloads.get(data.action.split('.')[0])?.())
}
