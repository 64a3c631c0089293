// How probes reach their targets: DNS and connections through the target guard, which refuses
// metadata and non-allowed addresses after DNS, on the address actually connected to. It also notes
// each HTTPS origin's certificate expiry as the TLS connection is made.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import type { TLSSocket, ConnectionOptions } from 'node:tls'
import { buildConnector } from 'undici'
import { BlockedTargetError, bareHost, isMetadataAddress, type TargetGuard } from '../../shared/target-guard.js'

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
      // any metadata address refuses the name outright; addresses outside the allow-list are dropped
      const list: LookupAddress[] = []
      let refusal: Error | undefined
      for (const a of addresses as LookupAddress[]) {
        if (isMetadataAddress(a.address)) return callback(new BlockedTargetError(`${hostname} resolves to ${a.address}, a cloud metadata address; probing it is refused`), options.all ? [] : '')
        try { guard.checkAddress(hostname, a.address); list.push(a) } catch (e) { refusal ??= e as Error }
      }
      if (list.length === 0) return callback(refusal ?? new BlockedTargetError(`${hostname} resolves to no address`), options.all ? [] : '')
      if (options.all) callback(null, list)
      else callback(null, list[0].address, list[0].family)
    })
  }) as unknown as LookupFunction

  const baseConnect = buildConnector({ timeout: opts.connectTimeoutMs, lookup, ...(opts.tls ?? {}) } as buildConnector.BuildOptions)

  /** undici's connector for the probe agent */
  const connect: buildConnector.connector = (options, callback) => {
    const refused = guard.refuseHost(options.hostname)
    if (refused) { callback(new BlockedTargetError(refused), null); return }
    baseConnect(options, (err, socket) => {
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

  return {
    /** DNS through the guard, for node:net connections (TCP probes) */
    lookup,
    connect,
    /** days until the certificate last seen for this https URL's origin expires; null if none was seen */
    tlsDaysLeft (url: URL): number | null {
      const validTo = certExpiry.get(`${bareHost(url.hostname)}:${url.port || 443}`)
      return validTo === undefined ? null : (validTo - Date.now()) / DAY
    },
  }
}
