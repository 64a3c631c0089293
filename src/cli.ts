#!/usr/bin/env node
// The offline side of the audit trail: verifies a bundle from GET /audit/export without the hub.
//   mcp-server audit verify bundle.ndjson [--public-key hub.pem]
// Exit 0 when the chain and every checkpoint verify, 1 when not (the first broken entry is printed),
// 2 on a usage error.
import { createReadStream, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { KeyObject } from 'node:crypto'
import { keyIdOf, publicKeyFromPem } from './domain/audit/hash-chain.js'
import { BundleError, verifyBundle } from './domain/audit/chain-verifier.js'

const USAGE = `usage: mcp-server audit verify <bundle.ndjson | -> [--public-key <file.pem>]

Verifies an audit bundle exported by GET /audit/export: every entry's hash, the links between
entries, and every checkpoint's Ed25519 signature. Without --public-key the keys in the bundle's
header are used; pass the hub's public key (GET /audit/public-key, kept apart) to also rule out a
bundle re-signed with another key.`

async function main (argv: string[]): Promise<number> {
  const [area, verb, ...rest] = argv
  if (area === '--help' || area === '-h' || area === undefined) { process.stdout.write(USAGE + '\n'); return area === undefined ? 2 : 0 }
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
