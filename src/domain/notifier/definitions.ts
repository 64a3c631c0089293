// Validation of the notifier's objects — channels, alert rules, maintenance windows — shared by the config
// loader (a bad config-file section fails the start) and the API; and of silences (API only).
// Light: no network modules here.
import { compileValidator } from '../shared/validation.js'
import { invalid } from '../shared/errors.js'
import { canonicalHost, isMetadataAddress } from '../shared/target-guard.js'
import { isTimeZone } from './maintenance-windows.js'
import {
  AlertRule, CHANNEL_TYPES, EmailChannel, AlertmanagerChannel, MaintenanceWindow, SlackChannel, WebhookChannel,
  SilenceInput, type AlertRuleT, type ChannelT, type MaintenanceWindowT, type SilenceInputT,
} from '../../schemas/notifier.js'

const channelValidators = {
  webhook: compileValidator<ChannelT>(WebhookChannel),
  slack: compileValidator<ChannelT>(SlackChannel),
  alertmanager: compileValidator<ChannelT>(AlertmanagerChannel),
  email: compileValidator<ChannelT>(EmailChannel),
}
const ruleValidator = compileValidator<AlertRuleT>(AlertRule)
const maintenanceValidator = compileValidator<MaintenanceWindowT>(MaintenanceWindow)
const silenceValidator = compileValidator<SilenceInputT>(SilenceInput)

/** Checks a channel body; `prefix` names where it came from in messages (body, config file entry). */
export function validateChannel (body: unknown, prefix: string): ChannelT {
  const type = (body as { type?: unknown } | null)?.type
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid(`${prefix} must be an object`)
  if (!CHANNEL_TYPES.includes(type as never)) throw invalid(`${prefix}/type must be one of ${CHANNEL_TYPES.join(', ')}`)
  const v = channelValidators[type as ChannelT['type']]
  if (!v.check(body)) throw invalid(v.firstError(body, prefix)!)
  const c = { ...body, enabled: body.enabled ?? true } as ChannelT
  if (c.type === 'email') { c.port = c.port ?? 587; c.tls = c.tls ?? 'starttls' }
  if ('url' in c) {
    const why = refusedUrl(c.url)
    if (why) throw invalid(`${prefix}/url ${why}`)
  }
  if (c.type === 'email') {
    const why = refusedHost(c.host)
    if (why) throw invalid(`${prefix}/host ${why}`)
  }
  return c
}

export function validateRule (body: unknown, prefix: string): AlertRuleT {
  if (!ruleValidator.check(body)) throw invalid(ruleValidator.firstError(body, prefix)!)
  return { ...body, kind: body.kind ?? 'service', severities: body.severities ?? ['critical', 'warning'], channels: body.channels ?? [], enabled: body.enabled ?? true, threshold: body.threshold ?? 0 }
}

export function validateMaintenance (body: unknown, prefix: string): MaintenanceWindowT {
  if (!maintenanceValidator.check(body)) throw invalid(maintenanceValidator.firstError(body, prefix)!)
  const w = { ...body, timeZone: body.timeZone ?? 'UTC' }
  if (!isTimeZone(w.timeZone)) throw invalid(`${prefix}/timeZone "${w.timeZone}" is not an IANA time zone`)
  return w
}

/** Checks a silence body from the API: it names something, and ends after it starts (default now). */
export function validateSilence (body: unknown): SilenceInputT {
  if (!silenceValidator.check(body)) throw invalid(silenceValidator.firstError(body, 'body')!)
  if (!(body.services?.length) && !(body.tags?.length)) throw invalid('body/services or body/tags must name at least one service or tag')
  const start = body.startsAt ? Date.parse(body.startsAt) : Date.now()
  if (!(Date.parse(body.endsAt) > start)) throw invalid('body/endsAt must be after startsAt')
  return body
}

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata'])
/**
 * Cloud metadata endpoints are never a notification target: refused here when written literally, in any
 * encoding; names that resolve to them are refused at send time by the outbound guard.
 */
function refusedHost (host: string): string | null {
  const h = canonicalHost(host)
  return METADATA_NAMES.has(h) || isMetadataAddress(h) ? 'points at a cloud metadata address, which is refused' : null
}

export function refusedUrl (url: string): string | null {
  let u: URL
  try { u = new URL(url) } catch { return 'is not a valid URL' }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be http:// or https://'
  return refusedHost(u.hostname)
}

export interface NotifierConfigSections { channels?: unknown[], rules?: unknown[], maintenance?: unknown[] }

/** Checks the config file's sections together: each entry, unique ids, rules naming known channels. */
export function validateNotifierConfig (c: NotifierConfigSections): { channels: ChannelT[], rules: AlertRuleT[], maintenance: MaintenanceWindowT[] } {
  const unique = <T extends { id: string }>(list: T[], section: string) => {
    const seen = new Set<string>()
    list.forEach((x, i) => { if (seen.has(x.id)) throw invalid(`${section}/${i}/id "${x.id}" is defined twice`); seen.add(x.id) })
    return list
  }
  const channels = unique((c.channels ?? []).map((x, i) => validateChannel(x, `channels/${i}`)), 'channels')
  const ids = new Set(channels.map((x) => x.id))
  const rules = unique((c.rules ?? []).map((x, i) => validateRule(x, `alertRules/${i}`)), 'alertRules')
  rules.forEach((r, i) => (r.channels ?? []).forEach((ch, j) => { if (!ids.has(ch)) throw invalid(`alertRules/${i}/channels/${j}: no channel "${ch}"`) }))
  const maintenance = unique((c.maintenance ?? []).map((x, i) => validateMaintenance(x, `maintenanceWindows/${i}`)), 'maintenanceWindows')
  return { channels, rules, maintenance }
}
