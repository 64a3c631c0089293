// Which addresses the prober may connect to. Cloud metadata endpoints are always refused, in every
// encoding (IPv4-mapped and NAT64 IPv6 forms included); an optional allow-list of hosts and CIDRs
// narrows the targets further. Checked on the address actually connected to, after DNS.
import { BlockList, isIP } from 'node:net'

export class BlockedTargetError extends Error {
  override name = 'BlockedTargetError'
  readonly code = 'ERR_PROBE_BLOCKED'
}

const metadata = new BlockList()
metadata.addAddress('169.254.169.254', 'ipv4') // AWS, GCP, Azure, OpenStack…
metadata.addAddress('fd00:ec2::254', 'ipv6') // AWS over IPv6
metadata.addAddress('64:ff9b::a9fe:a9fe', 'ipv6') // NAT64 form of 169.254.169.254
metadata.addAddress('::a9fe:a9fe', 'ipv6') // IPv4-compatible form
// BlockList also matches the IPv4-mapped form (::ffff:169.254.169.254) against the IPv4 rule.

/** Strips the brackets a URL puts around an IPv6 literal. */
export const bareHost = (host: string) => host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host

export function isMetadataAddress (address: string): boolean {
  const a = bareHost(address)
  const family = isIP(a)
  if (family === 0) return false
  return metadata.check(a, family === 4 ? 'ipv4' : 'ipv6')
}

export interface TargetGuard {
  /** Throws BlockedTargetError when `address` (an IP) may not be probed for `hostname`. */
  checkAddress (hostname: string, address: string): void
  /** A reason the hostname itself is refused before any lookup (IP literal checks), or undefined. */
  refuseHost (hostname: string): string | undefined
  readonly restricted: boolean
}

/**
 * `allow` entries: a host name ("api.example.com"), a wildcard suffix ("*.example.com"), an IP,
 * or a CIDR ("10.0.0.0/8", "fd00::/8"). Empty: every address but the metadata ones.
 */
export function createTargetGuard (allow: string[] = []): TargetGuard {
  const cidrs = new BlockList()
  const names = new Set<string>()
  const suffixes: string[] = []
  for (const raw of allow) {
    const entry = raw.trim().toLowerCase()
    if (!entry) continue
    const slash = entry.indexOf('/')
    if (slash > 0) {
      const net = bareHost(entry.slice(0, slash))
      const prefix = Number(entry.slice(slash + 1))
      const family = isIP(net)
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new Error(`"${raw}" is not a valid CIDR`)
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
  const restricted = cidrs.rules.length > 0 || names.size > 0 || suffixes.length > 0

  const nameAllowed = (hostname: string) => {
    const h = bareHost(hostname).toLowerCase().replace(/\.$/, '')
    return names.has(h) || suffixes.some((s) => h.endsWith(s))
  }
  const addressAllowed = (address: string) => {
    const family = isIP(address)
    return family !== 0 && cidrs.check(address, family === 4 ? 'ipv4' : 'ipv6')
  }

  return {
    restricted,
    checkAddress (hostname, address) {
      if (isMetadataAddress(address)) throw new BlockedTargetError(`${address} is a cloud metadata address; probing it is refused`)
      if (restricted && !nameAllowed(hostname) && !addressAllowed(bareHost(address))) {
        throw new BlockedTargetError(`${bareHost(hostname)} (${address}) is outside the probe allow-list (MCP_PROBE_ALLOW)`)
      }
    },
    refuseHost (hostname) {
      const h = bareHost(hostname)
      if (isMetadataAddress(h)) return `${h} is a cloud metadata address; probing it is refused`
      if (restricted && isIP(h) && !addressAllowed(h)) return `${h} is outside the probe allow-list (MCP_PROBE_ALLOW)`
      if (restricted && !isIP(h) && !nameAllowed(h) && cidrs.rules.length === 0) return `${h} is outside the probe allow-list (MCP_PROBE_ALLOW)`
      return undefined
    },
  }
}
