#!/usr/bin/env node
// The command line beside the hub. Two commands:
//   mcp-server audit verify bundle.ndjson [--public-key hub.pem]
//     the offline side of the audit trail: verifies a bundle from GET /audit/export without the hub.
//     Exit 0 when the chain and every checkpoint verify, 1 when not (the first broken entry is printed).
//   mcp-server mcp --url https://hub/mcp --token …
//     the hub's MCP endpoint over stdio, for clients that only launch local commands (src/mcp-bridge.ts).
//     Exit 0 once stdin closes or on SIGTERM.
// Both exit 2 on a usage error.
import { createReadStream, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { KeyObject } from 'node:crypto'
import { keyIdOf, publicKeyFromPem } from './domain/audit/hash-chain.js'
import { BundleError, verifyBundle } from './domain/audit/chain-verifier.js'
import { startBridge } from './mcp-bridge.js'

const USAGE = `usage: mcp-server audit verify <bundle.ndjson | -> [--public-key <file.pem>]
       mcp-server mcp --url <hub>/mcp [--token <token>] [--header 'Name: value']... [--on-behalf-of <user>]

audit verify: verifies an audit bundle exported by GET /audit/export: every entry's hash, the links
between entries, and every checkpoint's Ed25519 signature. Without --public-key the keys in the
bundle's header are used; pass the hub's public key (GET /audit/public-key, kept apart) to also rule
out a bundle re-signed with another key.

mcp: serves the hub's MCP endpoint over stdio, for MCP clients that only launch local commands:
JSON-RPC messages read from stdin go to <hub>/mcp with the token as a bearer token, the hub's answers
come back on stdout, diagnostics go to stderr. The token may come from the MCP_TOKEN environment
variable instead of --token (which other users of the machine can see in the process list).
--on-behalf-of sends X-MCP-On-Behalf-Of: <user>; --header adds any other header, and may repeat.`

function usageError (detail?: string): number {
  process.stderr.write((detail ? `mcp-server: ${detail}\n` : '') + USAGE + '\n')
  return 2
}

async function runMcp (args: string[]): Promise<number> {
  let url: URL | undefined
  let token = process.env.MCP_TOKEN
  let onBehalfOf: string | undefined
  const headers: Record<string, string> = {}
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]
    const value = args[++i]
    if (value === undefined || !['--url', '--token', '--header', '--on-behalf-of'].includes(flag)) return usageError()
    if (flag === '--url') {
      if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) return usageError(`--url ${value} is not an http(s) URL`)
      url = new URL(value)
    } else if (flag === '--token') token = value
    else if (flag === '--on-behalf-of') onBehalfOf = value
    else {
      const colon = value.indexOf(':')
      const name = value.slice(0, colon).trim()
      if (colon < 1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return usageError(`--header ${value} is not 'Name: value'`)
      headers[name] = value.slice(colon + 1).trim()
    }
  }
  if (!url) return usageError('mcp needs --url')
  if (!token) return usageError('mcp needs --token or MCP_TOKEN')

  const bridge = startBridge({ url, token, headers, onBehalfOf })
  const stop = () => { void bridge.close() }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  await bridge.closed
  return 0
}

async function main (argv: string[]): Promise<number> {
  const [area, verb, ...rest] = argv
  if (area === '--help' || area === '-h' || area === undefined) { process.stdout.write(USAGE + '\n'); return area === undefined ? 2 : 0 }
  if (area === 'mcp') return runMcp(argv.slice(1))
  if (area !== 'audit' || verb !== 'verify') { process.stderr.write(USAGE + '\n'); return 2 }
  let file: string | undefined
  let keyFile: string | undefined
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--public-key') keyFile = rest[++i]
    else if (file === undefined) file = rest[i]
    else { process.stderr.write(USAGE + '\n'); return 2 }
  }
  if (!file || (rest.includes('--public-key') && !keyFile)) { process.stderr.write(USAGE + '\n'); return 2 }

  let trusted: Map<string, KeyObject> | undefined
  if (keyFile) {
    try {
      const key = publicKeyFromPem(readFileSync(keyFile, 'utf8'))
      trusted = new Map([[keyIdOf(key), key]])
    } catch (err) {
      process.stderr.write(`mcp-server: cannot use ${keyFile} as the public key: ${(err as Error).message}\n`)
      return 2
    }
  }

  const input = file === '-' ? process.stdin : createReadStream(file)
  try {
    const lines = createInterface({ input, crlfDelay: Infinity })
    const result = await verifyBundle(lines, trusted)
    process.stdout.write(JSON.stringify(result) + '\n')
    if (result.ok) {
      process.stderr.write(`ok: ${result.checked} entries, ${result.checkpointsVerified} checkpoints verified\n`)
      return 0
    }
    process.stderr.write(`BROKEN at seq ${result.firstBrokenSeq}: ${result.reason}\n`)
    return 1
  } catch (err) {
    const msg = err instanceof BundleError ? err.message : (err as Error).message
    process.stderr.write(`mcp-server: ${file}: ${msg}\n`)
    return 1
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err) => {
  process.stderr.write(`mcp-server: ${err?.stack ?? err}\n`)
  process.exitCode = 1
})
