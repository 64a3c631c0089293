// The alert rules every hub ships with, so that the original design's alert works out of the box:
// one aggregate alert, critical while any service is down. With no channel it is still recorded,
// listed by /alerts, streamed and logged at error level. PUT changes it (channels, enabled…); it is
// never deleted.
import type { AlertRuleT } from '../../schemas/notifier.js'

export const SERVICES_DOWN_RULE = 'services-down'

export const BUILTIN_RULES: readonly AlertRuleT[] = Object.freeze([
  { id: SERVICES_DOWN_RULE, kind: 'aggregate', severities: ['critical'], channels: [], enabled: true, threshold: 0 },
])

/** Whether the notifier acts on a rule: rules are enabled unless set otherwise. */
export const ruleEnabled = (r: Pick<AlertRuleT, 'enabled'>): boolean => r.enabled !== false
