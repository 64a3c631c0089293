// Which addresses the hub may connect to, for probes and for notification channels alike. Cloud
// metadata and credential endpoints are always refused, in every encoding: IPv4 number forms
// (decimal, octal, hex), IPv4-mapped, IPv4-compatible, SIIT and NAT64 IPv6 forms. An optional deny
// list adds ranges; an optional allow-list narrows the targets further. Checked on the address
// actually connected to, after DNS (see adapters/guarded-connector.ts).
import { BlockList, isIP } from 'node:net'

export class BlockedTargetError extends Error {
  override name = 'BlockedTargetError'
  readonly code = 'ERR_PROBE_BLOCKED'
}

/** Always refused: where clouds hand out instance identity and credentials. */
export const METADATA_ADDRESSES = [
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean…
  '169.254.170.2', // AWS ECS task credentials
  '100.100.100.200', // Alibaba Cloud
  'fd00:ec2::254', // AWS over IPv6
]

const metadata = new BlockList()
for (const a of METADATA_ADDRESSES) metadata.addAddress(a, isIP(a) === 4 ? 'ipv4' : 'ipv6')

/** Strips the brackets a URL puts around an IPv6 literal. */
export const bareHost = (host: string) => host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host

/**
 * A host as the resolver would read it: lower case, no trailing dot, no brackets, and IPv4 number forms
 * (`2852039166`, `0251.0376.0251.0376`, `0xa9fea9fe`, `169.254.43518`) in dotted form, as the WHATWG URL
 * parser and getaddrinfo both read them. IPv6 literals come back compressed.
 */
export function canonicalHost (host: string): string {
  const h = bareHost(host.trim().toLowerCase()).replace(/\.$/, '')
  try {
    return bareHost(new URL(isIP(h) === 6 ? `http://[${h}]/` : `http://${h}/`).hostname)
  } catch {
    return h
  }
}

/** The 16 bytes of an IPv6 address, or null. */
function ipv6Bytes (address: string): number[] | null {
  let a = address
  // a trailing dotted quad (::ffff:1.2.3.4) becomes two groups
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a)
  if (quad) {
    const b = quad.slice(1).map(Number)
    a = a.slice(0, quad.index) + ((b[0] << 8) | b[1]).toString(16) + ':' + ((b[2] << 8) | b[3]).toString(16)
  }
  const halves = a.split('::')
  if (halves.length > 2) return null
  const groups = (s: string) => s ? s.split(':') : []
  const head = groups(halves[0])
  const tail = halves.length === 2 ? groups(halves[1]) : []
  const all = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head
  if (all.length !== 8) return null
  const bytes: number[] = []
  for (const g of all) {
    const n = parseInt(g, 16)
    if (!/^[0-9a-f]{1,4}$/.test(g) || Number.isNaN(n)) return null
    bytes.push(n >> 8, n & 0xff)
  }
  return bytes
}

const quadOf = (b: number[]) => b.join('.')
const zero = (b: number[]) => b.every((x) => x === 0)

/**
 * The IPv4 addresses an IPv6 address carries, by the forms that reach (or name) that IPv4 host:
 * IPv4-mapped `::ffff:0:0/96`, SIIT `::ffff:0:0:0/96`, IPv4-compatible `::/96`, NAT64 well-known
 * `64:ff9b::/96` (RFC 6052) and local-use `64:ff9b:1::/48` at each RFC 6052 position (/48, /56, /64, /96).
 */
export function embeddedIPv4 (address: string): string[] {
  const b = ipv6Bytes(bareHost(address).toLowerCase().replace(/%.*$/, ''))
  if (!b) return []
  const found: string[] = []
  if (zero(b.slice(0, 10)) && b[10] === 0xff && b[11] === 0xff) found.push(quadOf(b.slice(12)))
  if (zero(b.slice(0, 8)) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) found.push(quadOf(b.slice(12)))
  if (zero(b.slice(0, 12)) && !zero(b.slice(12, 14))) found.push(quadOf(b.slice(12)))
  const prefix = (b[0] << 8 | b[1]).toString(16) + ':' + (b[2] << 8 | b[3]).toString(16)
  if (prefix === '64:ff9b' && zero(b.slice(4, 12))) found.push(quadOf(b.slice(12)))
  if (prefix === '64:ff9b' && b[4] === 0 && b[5] === 1) {
    // RFC 6052 §2.2: byte 8 (bits 64–71) is always zero and skipped
    found.push(quadOf([b[6], b[7], b[9], b[10]])) // /48
    found.push(quadOf([b[7], b[9], b[10], b[11]])) // /56
    found.push(quadOf(b.slice(9, 13))) // /64
    found.push(quadOf(b.slice(12))) // /96
  }
  return found
}

const inList = (list: BlockList, address: string) => {
  const family = isIP(address)
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** Whether `address` (an IP, any encoding) is in `list` itself or by an IPv4 address it embeds. */
function blockedBy (list: BlockList, address: string): boolean {
  const a = canonicalHost(address)
  if (isIP(a) === 0) return false
  return inList(list, a) || embeddedIPv4(a).some((v4) => inList(list, v4))
}

export function isMetadataAddress (address: string): boolean {
  return blockedBy(metadata, address)
}

function parseCidrs (entries: string[], variable: string): { cidrs: BlockList, names: Set<string>, suffixes: string[] } {
  const cidrs = new BlockList()
  const names = new Set<string>()
  const suffixes: string[] = []
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase()
    if (!entry) continue
    const slash = entry.indexOf('/')
    if (slash > 0) {
      const net = bareHost(entry.slice(0, slash))
      const prefix = Number(entry.slice(slash + 1))
      const family = isIP(net)
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new Error(`${variable}: "${raw}" is not a valid CIDR`)
      }
      cidrs.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6')
    } else if (isIP(bareHost(entry))) {
      const ip = bareHost(entry)
      cidrs.addAddress(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6')
    } else if (entry.startsWith('*.')) {
      suffixes.push(entry.slice(1))
    } else {
      names.add(entry)
    }
  }
  return { cidrs, names, suffixes }
}

export interface TargetGuard {
  /** Throws BlockedTargetError when `address` (an IP) may not be reached for `hostname`. */
  checkAddress (hostname: string, address: string): void
  /** Why `address` is refused whatever the allow-list says (metadata, MCP_OUTBOUND_DENY), or undefined. */
  refusal (address: string): string | undefined
  /** A reason the hostname itself is refused before any lookup (IP literal checks), or undefined. */
  refuseHost (hostname: string): string | undefined
  readonly restricted: boolean
}

export interface TargetGuardOptions {
  /** extra addresses and CIDRs refused like the metadata ones (MCP_OUTBOUND_DENY) */
  deny?: string[]
  /** the variable holding the allow-list, named in refusals */
  allowVariable?: string
  /** what is refused, in refusals: "probing it", "sending to it" */
  action?: string
}

/**
 * `allow` entries: a host name ("api.example.com"), a wildcard suffix ("*.example.com"), an IP,
 * or a CIDR ("10.0.0.0/8", "fd00::/8"). Empty: every address but the refused ones. `deny` entries
 * are IPs or CIDRs, refused in every encoding whatever the allow-list says.
 */
export function createTargetGuard (allow: string[] = [], opts: TargetGuardOptions = {}): TargetGuard {
  const variable = opts.allowVariable ?? 'MCP_PROBE_ALLOW'
  const action = opts.action ?? 'probing it'
  const { cidrs, names, suffixes } = parseCidrs(allow, variable)
  const denied = parseCidrs(opts.deny ?? [], 'MCP_OUTBOUND_DENY')
  if (denied.names.size > 0 || denied.suffixes.length > 0) throw new Error('MCP_OUTBOUND_DENY takes IPs and CIDRs, not host names')
  const restricted = cidrs.rules.length > 0 || names.size > 0 || suffixes.length > 0

  const nameAllowed = (hostname: string) => {
    const h = canonicalHost(hostname)
    return names.has(h) || suffixes.some((s) => h.endsWith(s))
  }
  const addressAllowed = (address: string) => inList(cidrs, canonicalHost(address))
  /** why an IP is refused whatever the allow-list says, or undefined */
  const refusal = (address: string) => {
    if (isMetadataAddress(address)) return `${address} is a cloud metadata address; ${action} is refused`
    if (blockedBy(denied.cidrs, address)) return `${address} is a refused address (MCP_OUTBOUND_DENY); ${action} is refused`
    return undefined
  }

  return {
    restricted,
    refusal,
    checkAddress (hostname, address) {
      const why = refusal(address)
      if (why) throw new BlockedTargetError(why)
      if (restricted && !nameAllowed(hostname) && !addressAllowed(address)) {
        throw new BlockedTargetError(`${canonicalHost(hostname)} (${address}) is outside the allow-list (${variable})`)
      }
    },
    refuseHost (hostname) {
      const h = canonicalHost(hostname)
      const ip = isIP(h) !== 0
      if (ip) {
        const why = refusal(h)
        if (why) return why
      }
      if (restricted && ip && !addressAllowed(h)) return `${h} is outside the allow-list (${variable})`
      if (restricted && !ip && !nameAllowed(h) && cidrs.rules.length === 0) return `${h} is outside the allow-list (${variable})`
      return undefined
    },
  }
}
