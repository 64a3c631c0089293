// The dashboard shell: hash routing between views, the live stream, the active-alert count in the nav.
// Each view module exports mount(el, {path, query}) and returns a function that unmounts it.
import { api, debounce, onLive, showError, startLive } from './lib.js'
import * as fleet from './fleet.js'
import { LANGUAGES, lang, setLanguage, t, translatePage } from './i18n.js'

const views = {
  fleet: async () => fleet,
  service: () => import('./service.js'),
  alerts: () => import('./alerts.js'),
  events: () => import('./events.js'),
  audit: () => import('./audit.js'),
  context: () => import('./context.js'),
  settings: () => import('./settings.js'),
}

const main = document.getElementById('view')
let unmount = null
let generation = 0

function parseHash () {
  const raw = location.hash.replace(/^#\/?/, '')
  const [pathPart, queryPart] = raw.split('?')
  const path = pathPart.split('/').filter(Boolean).map(decodeURIComponent)
  return { name: path[0] || 'fleet', path: path.slice(1), query: new URLSearchParams(queryPart ?? '') }
}

async function route () {
  const { name, path, query } = parseHash()
  const load = views[name] ?? views.fleet
  const mine = ++generation
  if (unmount) { unmount(); unmount = null }
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === (name === 'service' ? 'fleet' : name)) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  main.replaceChildren()
  try {
    const view = await load()
    if (mine !== generation) return
    unmount = await view.mount(main, { path, query }) ?? null
  } catch (err) {
    if (mine === generation) showError(err)
  }
}

const alertCount = document.getElementById('alert-count')
const refreshAlertCount = debounce(async () => {
  try {
    const active = await api('/alerts?state=active&limit=1000')
    const firing = active.filter((a) => a.status === 'firing').length
    alertCount.hidden = firing === 0
    alertCount.textContent = t('nav.firing', { count: firing })
  } catch { /* the nav badge is a hint; the Alerts view reports errors */ }
}, 500)

window.addEventListener('hashchange', () => {
  route()
  // move focus to the new content so keyboard and screen-reader users land on it
  main.focus({ preventScroll: true })
})
// the page's static texts in its language, and the header's language switch (the choice is kept)
translatePage()
const langSelect = document.getElementById('lang')
langSelect.innerHTML = Object.entries(LANGUAGES).map(([code, name]) => `<option value="${code}" lang="${code}">${name}</option>`).join('')
langSelect.value = lang
langSelect.addEventListener('change', () => {
  setLanguage(langSelect.value)
  location.reload()
})
// several instances on one PostgreSQL database: which one this page talks to, and whether it leads
const clusterRole = document.getElementById('cluster-role')
async function showClusterRole () {
  try {
    const r = await api('/ready')
    clusterRole.hidden = r.store !== 'postgres'
    clusterRole.dataset.role = r.role
    clusterRole.textContent = r.role === 'leader' ? t('cluster.leader', { token: r.leaderToken }) : t('cluster.follower')
  } catch { /* a hint only; /ready answering 503 shows in the live status */ }
}
showClusterRole()
setInterval(showClusterRole, 15_000)
startLive()
onLive('alert', refreshAlertCount)
refreshAlertCount()
route()
