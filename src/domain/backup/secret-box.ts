// Channel secrets in a backup: sealed with a key the admin gives at export (scrypt, then AES-256-GCM
// with the channel's id as associated data, so a sealed value cannot be moved to another channel).
// The header carries the salt and a sealed check value, so a wrong key is refused before any row.
import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { invalid } from '../shared/errors.js'

export const MIN_KEY_LENGTH = 12
const CHECK_TEXT = 'mcp-server-backup-key-check'
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

export interface SealingHeader { kdf: 'scrypt', N: number, r: number, p: number, salt: string, cipher: 'aes-256-gcm', check: string }

const derive = (passphrase: string, salt: Buffer, p: { N: number, r: number, p: number }) => new Promise<Buffer>((resolve, reject) => {
  scrypt(passphrase, salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: SCRYPT.maxmem }, (err, key) => err ? reject(err) : resolve(key))
})

function seal (key: Buffer, text: string, aad: string): string {
  const iv = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', key, iv)
  c.setAAD(Buffer.from(aad))
  const body = Buffer.concat([c.update(text, 'utf8'), c.final()])
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')
}

function open (key: Buffer, sealed: string, aad: string): string | null {
  const raw = Buffer.from(sealed, 'base64')
  if (raw.length < 28) return null
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
    d.setAAD(Buffer.from(aad))
    d.setAuthTag(raw.subarray(12, 28))
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')
  } catch {
    return null
  }
}

export interface SecretBox {
  header: SealingHeader
  seal (value: unknown, channelId: string): string
  /** the sealed value, or an invalid error when it does not open (altered, or moved to another channel) */
  open (sealed: unknown, channelId: string, line: number): unknown
}

function checkPassphrase (passphrase: string): void {
  if (passphrase.length < MIN_KEY_LENGTH) throw invalid(`X-Backup-Key must be at least ${MIN_KEY_LENGTH} characters`)
}

function boxOf (key: Buffer, header: SealingHeader): SecretBox {
  return {
    header,
    seal: (value, channelId) => seal(key, JSON.stringify(value), `channel:${channelId}`),
    open (sealed, channelId, line) {
      const text = typeof sealed === 'string' ? open(key, sealed, `channel:${channelId}`) : null
      if (text === null) throw invalid(`line ${line}: the sealed secrets of channel ${channelId} do not open with this key (altered or moved)`, { line })
      return JSON.parse(text)
    },
  }
}

/** A box for an export: a fresh salt, and the check value sealed with the derived key. */
export async function newSecretBox (passphrase: string): Promise<SecretBox> {
  checkPassphrase(passphrase)
  const salt = randomBytes(16)
  const key = await derive(passphrase, salt, SCRYPT)
  const header: SealingHeader = { kdf: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString('base64'), cipher: 'aes-256-gcm', check: seal(key, CHECK_TEXT, 'check') }
  return boxOf(key, header)
}

/** Opens the box a backup header describes; a wrong key is refused here, before any row is read. */
export async function openSecretBox (passphrase: string, h: unknown, line: number): Promise<SecretBox> {
  checkPassphrase(passphrase)
  const x = h as Partial<SealingHeader> | null
  const ok = x !== null && typeof x === 'object' && x.kdf === 'scrypt' && x.cipher === 'aes-256-gcm' && typeof x.salt === 'string' && typeof x.check === 'string' &&
    [x.N, x.r, x.p].every((n) => Number.isInteger(n) && (n as number) > 0) && (x.N as number) <= (1 << 20) && (x.r as number) <= 32 && (x.p as number) <= 16
  if (!ok) throw invalid(`line ${line}: encryption in the header is malformed`, { line })
  let key: Buffer
  try {
    key = await derive(passphrase, Buffer.from(x.salt!, 'base64'), { N: x.N!, r: x.r!, p: x.p! })
  } catch (err) {
    throw invalid(`line ${line}: encryption parameters refused: ${(err as Error).message}`, { line })
  }
  const check = open(key, x.check!, 'check')
  const opened = check !== null && check.length === CHECK_TEXT.length && timingSafeEqual(Buffer.from(check), Buffer.from(CHECK_TEXT))
  if (!opened) throw invalid('X-Backup-Key does not open this backup (wrong key)')
  return boxOf(key, x as SealingHeader)
}
