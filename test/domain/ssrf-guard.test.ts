// The outbound guard on its own, table-driven: every encoding of a refused address, for the metadata
// addresses (always refused) and for a range added with MCP_OUTBOUND_DENY; names that resolve to one
// (through a resolver stub, no socket is opened here); the allow-list; bad entries.
import t from 'tap'
import type { lookup as dnsLookup } from 'node:dns'
import { BlockedTargetError, canonicalHost, createTargetGuard, embeddedIPv4, isMetadataAddress } from '../../src/domain/shared/target-guard.js'
import { createGuardedConnector } from '../../src/domain/shared/adapters/guarded-connector.js'
import { DENIED_ENCODINGS } from '../fixtures/ssrf.js'

// every way of writing 169.254.169.254 (AWS/GCP/Azure metadata) a URL, getaddrinfo or a socket accepts
const METADATA_ENCODINGS = [
  '169.254.169.254', '169.254.169.254.', '2852039166', '025177524776', '0xa9fea9fe', '0xA9FEA9FE', '0xa9.0xfe.0xa9.0xfe',
  '0251.0376.0251.0376', '169.254.43518', '169.16689662',
  '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '[::ffff:a9fe:a9fe]', '::FFFF:A9FE:A9FE', '0:0:0:0:0:ffff:a9fe:a9fe', // IPv4-mapped
  '::169.254.169.254', '::a9fe:a9fe', // IPv4-compatible
  '::ffff:0:a9fe:a9fe', // SIIT
  '64:ff9b::169.254.169.254', '64:ff9b::a9fe:a9fe', '[64:ff9b::a9fe:a9fe]', // NAT64 well-known prefix
  '64:ff9b:1::a9fe:a9fe', '64:ff9b:1:a9fe:a9:fe00::', '64:ff9b:1:a9:fe:a9fe::', '64:ff9b:1:0:a9:fea9:fe00:0', // NAT64 local-use /96, /48, /56, /64
]
// the other metadata and credential endpoints, in a few encodings each
const OTHER_METADATA = [
  '169.254.170.2', '2852039170', '0xa9feaa02', '::ffff:169.254.170.2', '64:ff9b::a9fe:aa02', // ECS task credentials
  '100.100.100.200', '1684301000', '014431062310', '::ffff:6464:64c8', '::6464:64c8', '64:ff9b::6464:64c8', // Alibaba
  'fd00:ec2::254', '[fd00:ec2::254]', 'FD00:EC2:0:0:0:0:0:254', // AWS over IPv6
]
// near misses that are not metadata addresses
const NOT_METADATA = [
  '169.254.169.253', '169.254.170.3', '100.100.100.201', '127.0.0.1', '10.0.0.1', '::1', '::', '::ffff:127.0.0.1',
  '64:ff9b::7f00:1', '2001:db8::a9fe:a9fe', '::ffff:a9fe:a9fd', '64:ff9b:2::a9fe:a9fe', 'example.com', 'fd00:ec2::253',
]

t.test('every encoding of a metadata address is refused; near misses are not', async (t) => {
  const guard = createTargetGuard()
  for (const a of [...METADATA_ENCODINGS, ...OTHER_METADATA]) {
    t.ok(isMetadataAddress(a), `${a} is a metadata address`)
    t.match(guard.refuseHost(a), /cloud metadata address; probing it is refused/, `${a} refused as a host`)
    t.throws(() => guard.checkAddress('name.example', a), BlockedTargetError, `${a} refused as the address connected to`)
  }
  for (const a of NOT_METADATA) {
    t.notOk(isMetadataAddress(a), `${a} is not a metadata address`)
    t.equal(guard.refuseHost(a), undefined, `${a} is not refused by the default guard`)
  }
})

t.test('IPv4 number forms and IPv6 literals are read as the resolver reads them', async (t) => {
  const cases: Array<[string, string]> = [
    ['2130706434', '127.0.0.2'], ['017700000002', '127.0.0.2'], ['0x7f000002', '127.0.0.2'], ['0x7f.0.0.2', '127.0.0.2'],
    ['127.2', '127.0.0.2'], ['127.0.2', '127.0.0.2'], ['0177.0.0.02', '127.0.0.2'], ['Example.COM.', 'example.com'],
    ['[::FFFF:127.0.0.2]', '::ffff:7f00:2'], ['0:0:0:0:0:0:0:1', '::1'],
  ]
  for (const [input, canonical] of cases) t.equal(canonicalHost(input), canonical, input)
  t.same(embeddedIPv4('::ffff:7f00:2'), ['127.0.0.2'], 'IPv4-mapped')
  t.same(embeddedIPv4('::ffff:0:7f00:2'), ['127.0.0.2'], 'SIIT')
  t.same(embeddedIPv4('::7f00:2'), ['127.0.0.2'], 'IPv4-compatible')
  t.same(embeddedIPv4('64:ff9b::7f00:2'), ['127.0.0.2'], 'NAT64 /96')
  t.ok(embeddedIPv4('64:ff9b:1:7f00:0:200::').includes('127.0.0.2'), 'NAT64 local-use /48')
  t.same(embeddedIPv4('::1'), [], 'the IPv6 loopback embeds nothing')
  t.same(embeddedIPv4('2001:db8::7f00:2'), [], 'an ordinary IPv6 address embeds nothing')
})

t.test('MCP_OUTBOUND_DENY refuses a range in every encoding, whatever the allow-list says', async (t) => {
  const guard = createTargetGuard(['127.0.0.0/8', '*.test'], { deny: ['127.0.0.2/32'], allowVariable: 'MCP_CHANNEL_ALLOW', action: 'sending to it' })
  for (const a of DENIED_ENCODINGS.map((e) => e.host)) {
    t.match(guard.refuseHost(a), /refused address \(MCP_OUTBOUND_DENY\); sending to it is refused/, `${a} refused as a host`)
    t.throws(() => guard.checkAddress('hook.test', a), BlockedTargetError, `${a} refused as the address connected to, even for an allowed name`)
  }
  t.equal(guard.refuseHost('127.0.0.1'), undefined, 'the next address is allowed')
  t.doesNotThrow(() => guard.checkAddress('hook.test', '::ffff:127.0.0.1'))
  t.throws(() => createTargetGuard([], { deny: ['internal.example'] }), /MCP_OUTBOUND_DENY takes IPs and CIDRs/)
  t.throws(() => createTargetGuard([], { deny: ['10.0.0.0/33'] }), /MCP_OUTBOUND_DENY: "10.0.0.0\/33" is not a valid CIDR/)
  t.throws(() => createTargetGuard(['10.0.0.0/99'], { allowVariable: 'MCP_CHANNEL_ALLOW' }), /MCP_CHANNEL_ALLOW: "10.0.0.0\/99"/)
})

t.test('the allow-list narrows targets but never lets a metadata address through', async (t) => {
  const guard = createTargetGuard(['hooks.example.com', '*.corp.example', '10.0.0.0/8', '169.254.0.0/16'], { allowVariable: 'MCP_CHANNEL_ALLOW', action: 'sending to it' })
  t.ok(guard.restricted)
  t.doesNotThrow(() => guard.checkAddress('hooks.example.com', '203.0.113.7'), 'a listed name, wherever it resolves')
  t.doesNotThrow(() => guard.checkAddress('a.corp.example', '203.0.113.7'), 'a wildcard name')
  t.doesNotThrow(() => guard.checkAddress('other.example', '::ffff:10.1.2.3'), 'an address in a listed CIDR, mapped form too')
  t.throws(() => guard.checkAddress('other.example', '203.0.113.7'), /outside the allow-list \(MCP_CHANNEL_ALLOW\)/)
  t.match(guard.refuseHost('203.0.113.7'), /outside the allow-list/)
  t.match(guard.refuseHost('3405803783'), /203\.0\.113\.7 is outside the allow-list/, 'a number form is judged as its address')
  for (const a of ['169.254.169.254', '2852039166', '::ffff:a9fe:a9fe']) {
    t.match(guard.refuseHost(a), /cloud metadata/, `${a}: a listed CIDR does not open the metadata address`)
    t.throws(() => guard.checkAddress('hooks.example.com', a), /cloud metadata/, `${a}: nor does a listed name resolving to it`)
  }
})

t.test('a name resolving to a refused address is refused before any connection', async (t) => {
  const answers: Record<string, Array<{ address: string, family: number }>> = {
    'meta.test': [{ address: '169.254.169.254', family: 4 }],
    'ecs.test': [{ address: '169.254.170.2', family: 4 }],
    'mapped.test': [{ address: '::ffff:a9fe:a9fe', family: 6 }],
    'nat64.test': [{ address: '64:ff9b::6464:64c8', family: 6 }],
    'mixed.test': [{ address: '203.0.113.7', family: 4 }, { address: '100.100.100.200', family: 4 }],
    'denied.test': [{ address: '127.0.0.2', family: 4 }],
    'fine.test': [{ address: '203.0.113.7', family: 4 }],
  }
  const asked: string[] = []
  const lookup = ((host: string, _o: unknown, cb: (e: Error | null, a: unknown) => void) => {
    asked.push(host)
    const a = answers[host]
    if (!a) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), [])
    cb(null, a)
  }) as unknown as typeof dnsLookup
  const connector = createGuardedConnector({ guard: createTargetGuard([], { deny: ['127.0.0.2'] }), connectTimeoutMs: 1000, lookup })
  for (const name of ['meta.test', 'ecs.test', 'mapped.test', 'nat64.test', 'mixed.test', 'denied.test']) {
    await t.rejects(connector.resolveChecked(name), BlockedTargetError, `${name} is refused`)
  }
  t.same(await connector.resolveChecked('fine.test'), { address: '203.0.113.7', family: 4 }, 'an ordinary name resolves to its checked address')
  t.same(await connector.resolveChecked('2130706433'), { address: '127.0.0.1', family: 4 }, 'a number form comes back dotted, without DNS')
  for (const literal of ['2852039166', '::ffff:a9fe:a9fe', '0x7f000002']) {
    await t.rejects(connector.resolveChecked(literal), BlockedTargetError, `${literal} is refused without DNS`)
  }
  t.notOk(asked.some((h) => /^\d|:/.test(h)), 'literals never reach the resolver')
  await t.rejects(connector.resolveChecked('nowhere.test'), { code: 'ENOTFOUND' })
})
