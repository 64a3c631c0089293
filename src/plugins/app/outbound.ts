// The outbound guard: which addresses probes and notification channels may reach (see
// domain/shared/target-guard.ts), and the DNS resolver both use. buildApp may pass a resolver
// (dns.lookup-compatible), so tests can map names onto refused addresses without a DNS server.
import fp from 'fastify-plugin'
import { lookup as dnsLookup } from 'node:dns'
import { ConfigError } from '../../config.js'
import { createTargetGuard, type TargetGuard } from '../../domain/shared/target-guard.js'

export interface Outbound {
  /** what the prober may reach: MCP_PROBE_ALLOW, MCP_OUTBOUND_DENY and the metadata addresses */
  probeGuard: TargetGuard
  /** what notification channels may reach: MCP_CHANNEL_ALLOW, MCP_OUTBOUND_DENY and the metadata addresses */
  channelGuard: TargetGuard
  lookup: typeof dnsLookup
}

declare module 'fastify' {
  interface FastifyInstance { outbound: Outbound }
}

export default fp<{ lookup?: typeof dnsLookup }>(async (app, opts) => {
  const { config } = app
  const guard = (allow: string[], allowVariable: string, action: string) => {
    try {
      return createTargetGuard(allow, { deny: config.outboundDeny, allowVariable, action })
    } catch (err) {
      throw new ConfigError((err as Error).message)
    }
  }
  app.decorate('outbound', {
    probeGuard: guard(config.probeAllow, 'MCP_PROBE_ALLOW', 'probing it'),
    channelGuard: guard(config.channelAllow, 'MCP_CHANNEL_ALLOW', 'sending to it'),
    lookup: opts.lookup ?? dnsLookup,
  })
}, { name: 'outbound', dependencies: ['config'] })
