// The four kinds of notifier definitions as the catalogue sees them: how a body is checked, what the
// API shows of an entry, and what a change must not break (a rule's channels exist, a used channel stays).
import { conflict, invalid } from '../shared/errors.js'
import { validateChannel, validateMaintenance, validateRule, validateSilence } from './definitions.js'
import { keepSecrets, maskChannel } from './channel-secrets.js'
import { windowOpen } from './maintenance-windows.js'
import type { KindHooks, Source } from './catalogue.js'
import type { AlertRuleT, ChannelT, MaintenanceWindowT, SilenceT } from '../../schemas/notifier.js'

export type ChannelView = ChannelT & { source: Source }
export type RuleView = AlertRuleT & { source: Source, builtIn: boolean }
export type MaintenanceView = MaintenanceWindowT & { source: Source, active: boolean }
export type SilenceView = SilenceT & { active: boolean }

/** A body read back from GET may be sent to PUT as is: the read-only view fields are dropped. */
function withoutView (body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {}
  const { source: _source, active: _active, builtIn: _builtIn, ...rest } = body as Record<string, unknown>
  return rest
}

export function channelKind (deps: { ruleUsing (channelId: string): AlertRuleT | undefined }): KindHooks<ChannelT, ChannelView> {
  return {
    kind: 'channel',
    noun: 'channel',
    fromBody: (body, update) => update
      ? keepSecrets(update.old, validateChannel({ ...withoutView(body), id: update.id }, 'body'))
      : validateChannel(body, 'body'),
    view: (d) => ({ ...maskChannel(d.spec), source: d.source }),
    checkRemove (id) {
      const user = deps.ruleUsing(id)
      if (user) throw conflict(`channel ${id} is used by alert rule ${user.id}`)
    },
  }
}

export function ruleKind (deps: { hasChannel (id: string): boolean, wake (): void }): KindHooks<AlertRuleT, RuleView> {
  return {
    kind: 'rule',
    noun: 'alert rule',
    fromBody: (body, update) => validateRule(update ? { ...withoutView(body), id: update.id } : body, 'body'),
    view: (d) => ({ ...d.spec, source: d.source, builtIn: d.source === 'builtin' }),
    checkSave (r) {
      (r.channels ?? []).forEach((c, j) => { if (!deps.hasChannel(c)) throw invalid(`body/channels/${j}: no channel "${c}"`) })
    },
    // a removed or disabled rule's firing alerts resolve on the next review; a changed one is re-evaluated
    changed: () => deps.wake(),
  }
}

export function maintenanceKind (deps: { wake (): void }): KindHooks<MaintenanceWindowT, MaintenanceView> {
  return {
    kind: 'maintenance',
    noun: 'maintenance window',
    fromBody: (body, update) => validateMaintenance(update ? { ...withoutView(body), id: update.id } : body, 'body'),
    view: (d) => ({ ...d.spec, source: d.source, active: windowOpen(d.spec, Date.now()) }),
    changed: () => deps.wake(), // the review takes the new suppression
  }
}

/** Silences exist only through the API: the hub gives the id, the caller is the author. */
export function silenceKind (deps: { nextId (now: number): string, wake (): void }): KindHooks<SilenceT, SilenceView, [author: string]> {
  return {
    kind: 'silence',
    noun: 'silence',
    fromBody (body, update, author) {
      const s = validateSilence(body)
      const services = s.services ?? []
      const tags = s.tags ?? []
      const endsAt = new Date(Date.parse(s.endsAt)).toISOString()
      if (update) {
        const startsAt = new Date(s.startsAt ? Date.parse(s.startsAt) : Date.parse(update.old.startsAt)).toISOString()
        return { ...update.old, services, tags, startsAt, endsAt, comment: s.comment, author }
      }
      const now = Date.now()
      const startsAt = new Date(s.startsAt ? Date.parse(s.startsAt) : now).toISOString()
      return { id: deps.nextId(now), services, tags, startsAt, endsAt, comment: s.comment, author, createdAt: new Date(now).toISOString() }
    },
    view ({ spec: s }) {
      const now = Date.now()
      return { ...s, active: Date.parse(s.startsAt) <= now && now < Date.parse(s.endsAt) }
    },
    order: (a, b) => a.createdAt.localeCompare(b.createdAt),
    changed: () => deps.wake(), // the review takes the new suppression
  }
}
