// The conditions an HTTP answer must meet: an expected status ("2xx", "200-204", 200), a substring
// of the body, JSON paths that exist or equal a value. Pure functions over the status and body text.
import { isDeepStrictEqual } from 'node:util'
import type { ProbeTarget } from './probe-types.js'

/** "2xx", "200-204" or 200 → does `status` match? */
export function statusMatches (status: number, specs: Array<number | string>): boolean {
  for (const s of specs) {
    if (typeof s === 'number') { if (status === s) return true; continue }
    if (/^[1-5]xx$/.test(s)) { if (Math.floor(status / 100) === Number(s[0])) return true; continue }
    const [lo, hi] = s.split('-').map(Number)
    if (status >= lo && status <= hi) return true
  }
  return false
}

/** Parses "a.b[0].c", "$.a.b.0.c" into path segments. */
export function parseJsonPath (path: string): string[] {
  const p = path.startsWith('$') ? path.slice(1) : path
  return p.replace(/\[(\d+)\]/g, '.$1').split('.').filter((s) => s.length > 0)
}

export function evalJsonPath (doc: unknown, path: string): { found: boolean, value?: unknown } {
  let cur: unknown = doc
  for (const seg of parseJsonPath(path)) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg)) return { found: false }
    cur = (cur as Record<string, unknown>)[seg]
  }
  return { found: true, value: cur }
}

/** The first condition the body misses, or undefined when all hold. */
export function checkBodyConditions (text: string, truncated: boolean, target: Pick<ProbeTarget, 'bodyContains' | 'json'>): string | undefined {
  if (target.bodyContains !== null && !text.includes(target.bodyContains)) {
    return `body${truncated ? ' (first 64 KiB)' : ''} does not contain ${JSON.stringify(target.bodyContains)}`
  }
  if (target.json.length === 0) return undefined
  let doc: unknown
  try { doc = JSON.parse(text) } catch { return truncated ? 'body is over 64 KiB, too large for JSON conditions' : 'body is not JSON' }
  for (const c of target.json) {
    const r = evalJsonPath(doc, c.path)
    if (c.exists === true && !r.found) return `JSON path ${c.path} does not exist`
    if (c.exists === false && r.found) return `JSON path ${c.path} exists`
    if (c.equals !== undefined && (!r.found || !isDeepStrictEqual(r.value, c.equals))) {
      return `JSON path ${c.path} is ${r.found ? JSON.stringify(r.value) : 'missing'}, expected ${JSON.stringify(c.equals)}`
    }
  }
  return undefined
}
