#!/usr/bin/env node
// The command line beside the hub. Three commands:
//   mcp-server audit verify bundle.ndjson [--public-key hub.pem]
//     the offline side of the audit trail: verifies a bundle from GET /audit/export without the hub.
//     Exit 0 when the chain and every checkpoint verify, 1 when not (the first broken entry is printed).
//   mcp-server mcp --url https://hub/mcp --token …
//     the hub's MCP endpoint over stdio, for clients that only launch local commands (src/mcp-bridge.ts).
//     Exit 0 once stdin closes or on SIGTERM.
//   mcp-server migrate --to postgres://… [--schema s] [--data-dir dir] [--force]
//     moves a SQLite hub's data into PostgreSQL (src/store/migrate-to-postgres.ts). Exit 0 when moved
//     and the audit chain verifies, 1 when not.
// All exit 2 on a usage error.
import { createReadStream, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { KeyObject } from 'node:crypto'
import { keyIdOf, publicKeyFromPem } from './domain/audit/hash-chain.js'
import { BundleError, verifyBundle } from './domain/audit/chain-verifier.js'
import { startBridge } from './mcp-bridge.js'
import { migrateToPostgres } from './store/migrate-to-postgres.js'
import { redactUrl } from './store/postgres/postgres-store.js'

const USAGE = `usage: mcp-server audit verify <bundle.ndjson | -> [--public-key <file.pem>]
       mcp-server mcp --url <hub>/mcp [--token <token>] [--header 'Name: value']... [--on-behalf-of <user>]
       mcp-server migrate --to <postgres://…> [--schema <name>] [--data-dir <dir>] [--force]

audit verify: verifies an audit bundle exported by GET /audit/export: every entry's hash, the links
between entries, and every checkpoint's Ed25519 signature. Without --public-key the keys in the
bundle's header are used; pass the hub's public key (GET /audit/public-key, kept apart) to also rule
out a bundle re-signed with another key.

mcp: serves the hub's MCP endpoint over stdio, for MCP clients that only launch local commands:
JSON-RPC messages read from stdin go to <hub>/mcp with the token as a bearer token, the hub's answers
come back on stdout, diagnostics go to stderr. The token may come from the MCP_TOKEN environment
variable instead of --token (which other users of the machine can see in the process list).
--on-behalf-of sends X-MCP-On-Behalf-Of: <user>; --header adds any other header, and may repeat.

migrate: moves the SQLite hub in --data-dir (default MCP_DATA_DIR, else ./data) into PostgreSQL
(--schema, default MCP_DATABASE_SCHEMA, else public): events, the audit trail and its checkpoints,
context, services, notifier definitions, agent tokens. Stop the hub first. A target holding data is
refused unless --force (rows already there are skipped). Prints the counts per table; the audit
chain is walked again in PostgreSQL. The audit signing key stays in the data dir (or
MCP_AUDIT_SIGNING_KEY): keep it for the hub that runs on PostgreSQL.`

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

async function runMigrate (args: string[]): Promise<number> {
  let url: string | undefined
  let schema = process.env.MCP_DATABASE_SCHEMA
  let dataDir = process.env.MCP_DATA_DIR ?? './data'
  let force = false
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]
    if (flag === '--force') { force = true; continue }
    const value = args[++i]
    if (value === undefined || !['--to', '--schema', '--data-dir'].includes(flag)) return usageError()
    if (flag === '--to') url = value
    else if (flag === '--schema') schema = value
    else dataDir = value
  }
  if (!url || !/^postgres(ql)?:\/\//.test(url)) return usageError('migrate needs --to postgres://…')
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) return usageError(`--schema ${schema} is not a plain identifier`)
  process.stderr.write(`migrating ${dataDir} into ${redactUrl(url)} (schema ${schema ?? 'public'})\n`)
  try {
    const report = await migrateToPostgres({ dataDir, url, schema, force, log: (line) => process.stderr.write(line + '\n') })
    process.stdout.write(JSON.stringify(report) + '\n')
    for (const [table, n] of Object.entries(report.tables)) process.stderr.write(`${table}: ${n.read} read, ${n.inserted} inserted, ${n.skipped} skipped\n`)
    process.stderr.write(`ok: the audit trail (${report.audit.entries} entries, to seq ${report.audit.lastSeq}) verifies in PostgreSQL\n`)
    return 0
  } catch (err) {
    process.stderr.write(`mcp-server: migrate: ${(err as Error).message}\n`)
    return 1
  }
}

async function main (argv: string[]): Promise<number> {
  const [area, verb, ...rest] = argv
  if (area === '--help' || area === '-h' || area === undefined) { process.stdout.write(USAGE + '\n'); return area === undefined ? 2 : 0 }
  if (area === 'mcp') return runMcp(argv.slice(1))
  if (area === 'migrate') return runMigrate(argv.slice(1))
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
