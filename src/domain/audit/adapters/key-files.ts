// The audit signing key and the public keys trusted to verify checkpoints. Both live outside the
// database: the private key in a file of the data dir (mode 0600, generated on first start) or in
// MCP_AUDIT_SIGNING_KEY; keys of imported trails in <dataDir>/audit-trusted-keys/*.pem.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { keyIdOf, publicKeyFromPem } from '../hash-chain.js'

export interface SigningKey {
  privateKey: KeyObject
  publicKey: KeyObject
  publicPem: string
  keyId: string
  /** where it came from: 'env', or the file read or generated */
  source: string
  generated: boolean
}

export const SIGNING_KEY_FILE = 'audit-signing-key.pem'
const TRUSTED_DIR = 'audit-trusted-keys'

export class SigningKeyError extends Error { override name = 'SigningKeyError' }

function fromPem (pem: string, where: string): { privateKey: KeyObject, publicKey: KeyObject } {
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(pem)
  } catch (err) {
    throw new SigningKeyError(`${where}: not a PEM private key: ${(err as Error).message}`)
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`${where}: the key is ${privateKey.asymmetricKeyType}; an ed25519 key is required`)
  return { privateKey, publicKey: createPublicKey(privateKey) }
}

/**
 * `configured` (MCP_AUDIT_SIGNING_KEY) is a PEM text or the path of a PEM file. Without it the key is
 * read from the data dir, or generated there on first start.
 */
export function loadSigningKey (configured: string | undefined, dataDir: string): SigningKey {
  let pair: { privateKey: KeyObject, publicKey: KeyObject }
  let source: string
  let generated = false
  if (configured && configured.trimStart().startsWith('-----BEGIN')) {
    pair = fromPem(configured, 'MCP_AUDIT_SIGNING_KEY')
    source = 'env'
  } else if (configured) {
    let text: string
    try {
      text = readFileSync(configured, 'utf8')
    } catch (err) {
      throw new SigningKeyError(`MCP_AUDIT_SIGNING_KEY: cannot read ${configured}: ${(err as Error).message}`)
    }
    pair = fromPem(text, `MCP_AUDIT_SIGNING_KEY (${configured})`)
    source = resolve(configured)
  } else {
    const file = resolve(join(dataDir, SIGNING_KEY_FILE))
    if (existsSync(file)) {
      pair = fromPem(readFileSync(file, 'utf8'), file)
    } else {
      mkdirSync(dataDir, { recursive: true })
      const { privateKey, publicKey } = generateKeyPairSync('ed25519')
      // 'wx': never overwrite a key another process just wrote
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, flag: 'wx' })
      chmodSync(file, 0o600)
      pair = { privateKey, publicKey }
      generated = true
    }
    source = file
  }
  return {
    ...pair,
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    keyId: keyIdOf(pair.publicKey),
    source,
    generated,
  }
}

/** The keys checkpoints are verified with: the signing key's and those of imported trails. */
export function loadTrustedKeys (dataDir: string, own: SigningKey): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>([[own.keyId, own.publicKey]])
  const dir = join(dataDir, TRUSTED_DIR)
  if (!existsSync(dir)) return keys
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.pem')).sort()) {
    const key = publicKeyFromPem(readFileSync(join(dir, name), 'utf8'))
    keys.set(keyIdOf(key), key)
  }
  return keys
}

/** Trusts the public key of an imported trail from now on (an admin decision: the import). */
export function addTrustedKey (dataDir: string, pem: string): string {
  const key = publicKeyFromPem(pem)
  const keyId = keyIdOf(key)
  const dir = join(dataDir, TRUSTED_DIR)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${keyId}.pem`)
  if (!existsSync(file)) writeFileSync(file, key.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o644 })
  return keyId
}
