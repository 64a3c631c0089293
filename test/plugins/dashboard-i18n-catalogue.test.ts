// The dashboard's message catalogues (static/js/messages/*.js): English and Spanish hold the same keys,
// with the same placeholders and the plural forms each language needs; every key the page uses
// (t('…') calls in static/js, data-i18n attributes in static/) is in both, and no key is left unused.
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

type Message = string | Record<string, string>
type Catalogue = Record<string, Message>

const STATIC = fileURLToPath(new URL('../../static/', import.meta.url))
const LANGS = ['en', 'es'] as const
const catalogues: Record<string, Catalogue> = {}
for (const lang of LANGS) {
  catalogues[lang] = (await import(pathToFileURL(join(STATIC, 'js', 'messages', `${lang}.js`)).href)).default
}

/** The keys a source text uses: t('key' …) calls, data-i18n="key" and data-i18n-attr="attr:key;…". */
function keysUsed (source: string): { keys: string[], dynamic: string[] } {
  const keys: string[] = []
  for (const m of source.matchAll(/\bt\(\s*'([^']+)'/g)) keys.push(m[1])
  for (const m of source.matchAll(/data-i18n="([^"]+)"/g)) keys.push(m[1])
  for (const m of source.matchAll(/data-i18n-attr="([^"]+)"/g)) {
    for (const pair of m[1].split(';')) keys.push(pair.split(':')[1].trim())
  }
  // a call whose key is not a literal cannot be checked: it is refused
  const dynamic = [...source.matchAll(/\bt\(\s*([^'\s)][^)]*)\)/g)].map((m) => m[0])
  return { keys, dynamic }
}

const placeholders = (m: Message) => [...new Set((typeof m === 'string' ? [m] : Object.values(m)).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((x) => x[1])))].sort()

function sources (): Array<{ file: string, text: string }> {
  const files = ['index.html', ...readdirSync(join(STATIC, 'js')).filter((f) => f.endsWith('.js')).map((f) => `js/${f}`)]
  return files.map((file) => ({ file, text: readFileSync(join(STATIC, file), 'utf8') }))
}

t.test('the scan finds every form of key use, and refuses keys that are not literals', async (t) => {
  const found = keysUsed('x = t(\'a.b\') + t( \'c.d\', { count: 2 }) <p data-i18n="e.f"></p> <nav data-i18n-attr="aria-label:g.h; title:i.j"> t(key) set(t) esc(t)')
  t.same(found.keys, ['a.b', 'c.d', 'e.f', 'g.h', 'i.j'])
  t.same(found.dynamic, ['t(key)'])
})

t.test('English and Spanish hold the same keys', async (t) => {
  const en = Object.keys(catalogues.en)
  const es = Object.keys(catalogues.es)
  t.ok(en.length > 100, `a real catalogue (${en.length} keys)`)
  t.same(en.filter((k) => !(k in catalogues.es)), [], 'every English key is in Spanish')
  t.same(es.filter((k) => !(k in catalogues.en)), [], 'every Spanish key is in English')
})

t.test('each message has the same placeholders in both, and the plural forms of its language', async (t) => {
  const problems: string[] = []
  for (const key of Object.keys(catalogues.en)) {
    const forms = LANGS.map((lang) => catalogues[lang][key])
    if (forms.some((m) => m === undefined)) continue // reported by the key-set test
    if (placeholders(forms[1]).join() !== placeholders(forms[0]).join()) problems.push(`${key}: placeholders differ`)
    LANGS.forEach((lang, i) => {
      const m = forms[i]
      if (typeof m === 'string') {
        if (!m.trim()) problems.push(`${lang} ${key}: empty`)
        return
      }
      // Intl.PluralRules picks the form ("other" when a category has none); both languages need "one"
      const categories: string[] = new Intl.PluralRules(lang).resolvedOptions().pluralCategories
      for (const form of Object.keys(m)) if (!categories.includes(form)) problems.push(`${lang} ${key}: "${form}" is no plural category of ${lang}`)
      if (!m.one || !m.other) problems.push(`${lang} ${key}: needs "one" and "other"`)
    })
  }
  t.same(problems, [])
})

t.test('every key the page uses is in both catalogues, and every key is used', async (t) => {
  const used = new Set<string>()
  const problems: string[] = []
  for (const { file, text } of sources()) {
    const { keys, dynamic } = keysUsed(text)
    if (file !== 'js/i18n.js') for (const call of dynamic) problems.push(`${file}: ${call} (not a literal key)`)
    for (const key of keys) {
      used.add(key)
      for (const lang of LANGS) if (!(key in catalogues[lang])) problems.push(`${file}: "${key}" is missing from ${lang}`)
    }
  }
  t.same(problems, [])
  t.ok(used.size > 100, `the scan found the page's keys (${used.size})`)
  t.same(Object.keys(catalogues.en).filter((k) => !used.has(k)), [], 'no unused key')
})
