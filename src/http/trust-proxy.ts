// MCP_TRUST_PROXY: which proxies may tell the hub the client's address (X-Forwarded-For). Either the
// proxies' addresses or CIDRs (the client is then the nearest address that is not one of them), or a
// hop count (the client is that many hops back; right only when nothing but the proxies can reach the
// hub). `true`, which trusts every peer and so lets any client choose its address, is refused.
import { isIP } from 'node:net'

/** what the config holds: 0 (no proxy: the peer is the client), a hop count, or addresses/CIDRs */
export type TrustProxy = number | string[]

const MAX_HOPS = 100

/** proxy-addr's names for address ranges */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** Why `entry` is not an address, a CIDR or a range name; undefined when it is one. */
export function trustProxyEntryError (entry: string): string | undefined {
  if (RANGE_NAMES.has(entry)) return undefined
  const [addr, prefix, extra] = entry.split('/')
  const family = isIP(addr ?? '')
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IP address or CIDR`
  if (prefix === undefined) return undefined
  const bits = family === 4 ? 32 : 128
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) return `"${entry}": the prefix length must be 0 to ${bits}`
  return undefined
}

export const TRUE_REFUSED = 'true would trust every peer, so any client could choose its address with X-Forwarded-For; ' +
  'give the number of proxies in front of the hub (e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8,127.0.0.1)'

/** Parses the variable's text; throws a message (without the variable's name) when it is refused. */
export function parseTrustProxy (raw: string): TrustProxy {
  const text = raw.trim()
  if (/^(true|yes|on)$/i.test(text)) throw new Error(TRUE_REFUSED)
  if (/^(false|no|off)$/i.test(text)) return 0
  if (/^\d+$/.test(text)) {
    if (Number(text) > MAX_HOPS) throw new Error(`a hop count must be 0 to ${MAX_HOPS}, got ${text}`)
    return Number(text)
  }
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean)
  if (entries.length === 0) return 0
  for (const e of entries) {
    const err = trustProxyEntryError(e)
    if (err) throw new Error(`${err} (give a hop count, or addresses/CIDRs separated by commas)`)
  }
  return entries
}

/** Fastify's trustProxy option for a config value (Fastify itself treats a plain number as no trust). */
export function fastifyTrustProxy (tp: TrustProxy): false | string[] | ((addr: string, hop: number) => boolean) {
  if (Array.isArray(tp)) return tp
  if (tp === 0) return false
  return (_addr: string, hop: number) => hop < tp
}
