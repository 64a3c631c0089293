// Alertmanager's webhook body, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
import { Type } from '@sinclair/typebox'
import { StringEnum } from './common.js'

const LabelSet = Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 10_000 }))

export const AlertmanagerWebhookBody = (maxAlerts: number) => Type.Object({
  version: Type.Literal('4', { description: 'the webhook format version; only 4 exists' }),
  groupKey: Type.Optional(Type.String({ maxLength: 10_000 })),
  truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
  status: Type.Optional(StringEnum(['firing', 'resolved'] as const)),
  receiver: Type.Optional(Type.String({ maxLength: 1000 })),
  groupLabels: Type.Optional(LabelSet),
  commonLabels: Type.Optional(LabelSet),
  commonAnnotations: Type.Optional(LabelSet),
  externalURL: Type.Optional(Type.String({ maxLength: 2000 })),
  alerts: Type.Array(Type.Object({
    status: StringEnum(['firing', 'resolved'] as const),
    labels: LabelSet,
    annotations: Type.Optional(LabelSet),
    startsAt: Type.String({ format: 'date-time', maxLength: 100 }),
    endsAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 100, description: '0001-01-01T00:00:00Z while firing' })),
    generatorURL: Type.Optional(Type.String({ maxLength: 2000 })),
    fingerprint: Type.Optional(Type.String({ maxLength: 100 })),
  }), { minItems: 1, maxItems: maxAlerts }),
}, { description: "Alertmanager's webhook body (version 4); unknown fields are ignored" })
