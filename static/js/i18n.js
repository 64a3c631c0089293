// The dashboard's languages: a message catalogue per language (messages/*.js), the one in use chosen
// from the saved choice (localStorage), else the browser's languages, else English; dates, numbers and
// relative times formatted with Intl for that locale.
import en from './messages/en.js'
import es from './messages/es.js'

export const CATALOGUES = { en, es }
/** each language's name, written in that language (the header's switch) */
export const LANGUAGES = { en: 'English', es: 'Español' }
export const STORAGE_KEY = 'mcp.lang'

function saved () {
  try { return localStorage.getItem(STORAGE_KEY) } catch { return null }
}

/** The language and the locale for Intl: a browser tag of that language (es-ES, es-MX) keeps its region. */
function choose () {
  const browser = navigator.languages?.length ? navigator.languages : [navigator.language ?? 'en']
  const base = (tag) => String(tag).toLowerCase().split('-')[0]
  const own = saved()
  const lang = own && CATALOGUES[own] ? own : base(browser.find((tag) => CATALOGUES[base(tag)]) ?? 'en')
  const locale = browser.find((tag) => base(tag) === lang) ?? lang
  return { lang, locale }
}

export const { lang, locale } = choose()
const messages = CATALOGUES[lang]
const plurals = new Intl.PluralRules(locale)
const numbers = new Intl.NumberFormat(locale)

/** Saves the choice; the page is then reloaded so every view is drawn again in it. */
export function setLanguage (next) {
  if (!CATALOGUES[next]) return
  try { localStorage.setItem(STORAGE_KEY, next) } catch { /* private mode: the choice lasts this page only */ }
}

export const fmtNumber = (n) => numbers.format(n)

/**
 * The message `key` in the page's language, with `{name}` filled from params (numbers formatted for the
 * locale). A message with plural forms ({ one, other, … }) is chosen by params.count. A missing key
 * shows as itself, which the tests look for.
 */
export function t (key, params = {}) {
  const m = messages[key]
  if (m === undefined) return key
  const text = typeof m === 'string' ? m : (m[plurals.select(params.count ?? 0)] ?? m.other)
  return text.replace(/\{(\w+)\}/g, (all, name) => {
    const v = params[name]
    if (v === undefined || v === null) return all
    return typeof v === 'number' ? fmtNumber(v) : String(v)
  })
}

/** Fills the static page's texts: data-i18n (text) and data-i18n-attr ("aria-label:key;title:key"). */
export function translatePage (root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n)
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':')
      el.setAttribute(attr.trim(), t(key.trim()))
    }
  }
  document.documentElement.lang = lang
  document.title = t('app.title')
}

const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' })
const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'always', style: 'short' })
const oneDecimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
const percent = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 })

export const fmtTime = (iso) => iso ? dateTime.format(new Date(iso)) : '—'
export function fmtAgo (iso) {
  if (!iso) return '—'
  const s = Math.max(Math.round((Date.now() - Date.parse(iso)) / 1000), 0)
  if (s < 60) return relative.format(-s, 'second')
  if (s < 3600) return relative.format(-Math.round(s / 60), 'minute')
  if (s < 86400) return relative.format(-Math.round(s / 3600), 'hour')
  return relative.format(-Math.round(s / 86400), 'day')
}
export const fmtMs = (ms) => ms === null || ms === undefined ? '—' : `${ms < 10 ? oneDecimal.format(ms) : fmtNumber(Math.round(ms))} ms`
// rounded down, so 99.999% never reads as 100%
export const fmtRatio = (r) => r === null || r === undefined ? t('common.noData') : percent.format(Math.floor(r * 10000) / 10000)
