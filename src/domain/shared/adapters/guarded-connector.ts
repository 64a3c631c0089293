// How probes and notification channels reach their targets: DNS and connections through the target
// guard, which refuses metadata, denied and non-allowed addresses after DNS, on the address actually
// connected to (the connection is made to the checked IP; TLS keeps the name as its servername). It
// also notes each HTTPS origin's certificate expiry as the TLS connection is made (the prober reports it).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import type { TLSSocket, ConnectionOptions } from 'node:tls'
import { buildConnector } from 'undici'
import { isIP } from 'node:net'
import { BlockedTargetError, bareHost, canonicalHost, type TargetGuard } from '../target-guard.js'

const DAY = 86_400_000

export interface GuardedConnectorOptions {
  guard: TargetGuard
  /** cap on connection set-up */
  connectTimeoutMs: number
  /** DNS resolution; tests substitute a resolver, production uses the system's */
  lookup?: typeof dnsLookup
  /** extra TLS options (a private CA, for example) */
  tls?: ConnectionOptions
}

export function createGuardedConnector (opts: GuardedConnectorOptions) {
  const { guard } = opts
  const resolve = opts.lookup ?? dnsLookup
  // certificate expiry per origin, noted when a TLS connection is made (kept sockets reuse it)
  const certExpiry = new Map<string, number>()

  // DNS through the guard: every resolved address is checked before any connection is attempted.
  const lookup = ((hostname: string, options: { all?: boolean }, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '')
      // any refused address (metadata, denied) refuses the name outright; addresses outside the allow-list are dropped
      const list: LookupAddress[] = []
      let refusal: Error | undefined
      for (const a of addresses as LookupAddress[]) {
        const why = guard.refusal(a.address)
        if (why) return callback(new BlockedTargetError(`${hostname} resolves to a refused address: ${why}`), options.all ? [] : '')
        try { guard.checkAddress(hostname, a.address); list.push(a) } catch (e) { refusal ??= e as Error }
      }
      if (list.length === 0) return callback(refusal ?? new BlockedTargetError(`${hostname} resolves to no address`), options.all ? [] : '')
      if (options.all) callback(null, list)
      else callback(null, list[0].address, list[0].family)
    })
  }) as unknown as LookupFunction

  const baseConnect = buildConnector({ timeout: opts.connectTimeoutMs, lookup, ...(opts.tls ?? {}) } as buildConnector.BuildOptions)

  /** undici's connector, for the prober's agent and the notifier's */
  const connect: buildConnector.connector = (options, callback) => {
    const refused = guard.refuseHost(options.hostname)
    if (refused) { callback(new BlockedTargetError(refused), null); return }
    // an IPv4 number form (http://2852039166/ from a raw origin) is connected to in its dotted form
    const host = canonicalHost(options.hostname)
    baseConnect(isIP(host) && host !== bareHost(options.hostname) ? { ...options, hostname: host } : options, (err, socket) => {
      if (err || !socket) { callback(err ?? new Error('no socket'), null); return }
      // the address really connected to, whatever resolved it
      try {
        guard.checkAddress(options.hostname, socket.remoteAddress ?? '')
      } catch (e) {
        socket.destroy()
        callback(e as Error, null)
        return
      }
      if (options.protocol === 'https:') {
        const cert = (socket as TLSSocket).getPeerCertificate?.()
        const validTo = cert?.valid_to ? Date.parse(cert.valid_to) : NaN
        if (Number.isFinite(validTo)) {
          if (certExpiry.size > 50_000) certExpiry.clear()
          certExpiry.set(`${options.hostname}:${options.port || 443}`, validTo)
        }
      }
      callback(null, socket)
    })
  }

  /** One checked address for `hostname` (an IP literal is checked as it is), for clients that take an IP: SMTP. */
  function resolveChecked (hostname: string): Promise<{ address: string, family: number }> {
    const host = canonicalHost(hostname)
    const refused = guard.refuseHost(host)
    if (refused) return Promise.reject(new BlockedTargetError(refused))
    const family = isIP(host)
    if (family !== 0) {
      try { guard.checkAddress(host, host) } catch (e) { return Promise.reject(e) }
      return Promise.resolve({ address: host, family })
    }
    return new Promise((resolve, reject) => {
      lookup(host, { all: false }, (err: Error | null, address: string | LookupAddress[], family?: number) => {
        if (err) reject(err)
        else resolve({ address: address as string, family: family ?? isIP(address as string) })
      })
    })
  }

  return {
    /** DNS through the guard, for node:net connections (TCP probes) */
    lookup,
    connect,
    resolveChecked,
    /** days until the certificate last seen for this https URL's origin expires; null if none was seen */
    tlsDaysLeft (url: URL): number | null {
      const validTo = certExpiry.get(`${bareHost(url.hostname)}:${url.port || 443}`)
      return validTo === undefined ? null : (validTo - Date.now()) / DAY
    },
  }
}
