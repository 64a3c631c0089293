// The definitions a backup carries (notifier channels, rules, silences, maintenance windows; API
// services are checked by the plugin, which holds the probe guard): checked as the API checks them,
// with channel secrets sealed, or left out and flagged.
import { invalid } from '../shared/errors.js'
import { maskChannel } from '../notifier/channel-secrets.js'
import { validateChannel, validateMaintenance, validateRule } from '../notifier/definitions.js'
import type { ChannelT } from '../../schemas/notifier.js'
import type { SecretBox } from './secret-box.js'

type Row = Record<string, unknown>

/** The secret fields of a channel, per type (what maskChannel hides). */
function secretsOf (c: ChannelT): Record<string, unknown> {
  switch (c.type) {
    case 'webhook': return { ...(c.secret !== undefined ? { secret: c.secret } : {}), ...(c.headers !== undefined ? { headers: c.headers } : {}) }
    case 'slack': return { url: c.url }
    case 'alertmanager': return c.bearerToken !== undefined ? { bearerToken: c.bearerToken } : {}
    case 'email': return c.password !== undefined ? { password: c.password } : {}
  }
}

/** A notifier_definitions row for the export: a channel's secrets masked, and sealed when a box is given. */
export function exportDefinitionRow (row: Row, box: SecretBox | null): { row: Row, secrets?: string } {
  if (row.kind !== 'channel' || typeof row.spec !== 'string') return { row }
  const spec = JSON.parse(row.spec) as ChannelT
  const masked = { ...row, spec: JSON.stringify(maskChannel(spec)) }
  return box ? { row: masked, secrets: box.seal(secretsOf(spec), String(row.id)) } : { row: masked }
}

export interface ImportedDefinition { row: Row, needsSecrets: boolean }

/**
 * A notifier_definitions row of an import: its secrets put back from the sealed value, or, when the
 * backup left them out, the channel stored disabled until an admin gives them. Then the API's checks.
 */
export function importDefinitionRow (row: Row, sealed: unknown, box: SecretBox | null, secretsOmitted: boolean, line: number): ImportedDefinition {
  const where = `line ${line}: notifier_definitions.spec`
  let spec = JSON.parse(String(row.spec)) as Record<string, unknown>
  let needsSecrets = false
  if (row.kind === 'channel') {
    if (sealed !== undefined) {
      if (!box) throw invalid(`line ${line}: this backup's channel secrets are encrypted: give the export's key in X-Backup-Key`, { line })
      const secrets = box.open(sealed, String(row.id), line) as Record<string, unknown>
      spec = { ...spec, ...secrets }
    } else if (secretsOmitted) {
      // the masks are not the secrets: a channel that would send with them stays off until they are given
      needsSecrets = true
      spec = { ...spec, enabled: false }
    }
  }
  try {
    switch (row.kind) {
      case 'channel': spec = validateChannel(spec, where) as unknown as Record<string, unknown>; break
      case 'rule': spec = validateRule(spec, where) as unknown as Record<string, unknown>; break
      case 'maintenance': spec = validateMaintenance(spec, where) as unknown as Record<string, unknown>; break
      case 'silence': checkSilence(spec, where); break
    }
  } catch (err) {
    throw invalid((err as Error).message.startsWith('line ') ? (err as Error).message : `${where}: ${(err as Error).message}`, { line })
  }
  if (spec.id !== row.id) throw invalid(`${where}/id must be ${String(row.id)}, the row's id`, { line })
  return { row: { ...row, spec: JSON.stringify(spec) }, needsSecrets }
}

function checkSilence (s: Record<string, unknown>, where: string): void {
  const names = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string')
  for (const f of ['id', 'comment', 'author']) if (typeof s[f] !== 'string') throw invalid(`${where}/${f} must be a string`)
  if (!names(s.services) || !names(s.tags)) throw invalid(`${where}/services and tags must be lists of names`)
  const starts = Date.parse(String(s.startsAt))
  const ends = Date.parse(String(s.endsAt))
  if (!Number.isFinite(starts) || !Number.isFinite(Date.parse(String(s.createdAt)))) throw invalid(`${where}/startsAt and createdAt must be RFC 3339 dates`)
  if (!(ends > starts)) throw invalid(`${where}/endsAt must be after startsAt`)
}
