import { Type } from '@sinclair/typebox'

// OTLP/JSON, as far as the OpenAPI document describes it: the hub reads the fields it maps
// (docs/otlp.md) and ignores others, as the OTLP spec asks of receivers.
const KeyValueList = Type.Array(Type.Object({
  key: Type.String(),
  value: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'an AnyValue: stringValue, boolValue, intValue, doubleValue, bytesValue, arrayValue or kvlistValue' })),
}, { additionalProperties: true }))

const Int64 = Type.Union([Type.String({ pattern: '^[0-9]{1,20}$' }), Type.Integer({ minimum: 0 })])

const LogRecord = Type.Object({
  timeUnixNano: Type.Optional(Int64),
  observedTimeUnixNano: Type.Optional(Int64),
  severityNumber: Type.Optional(Type.Integer({ minimum: 0, maximum: 24 })),
  severityText: Type.Optional(Type.String()),
  eventName: Type.Optional(Type.String()),
  body: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'an AnyValue' })),
  attributes: Type.Optional(KeyValueList),
  flags: Type.Optional(Type.Integer({ minimum: 0 })),
  traceId: Type.Optional(Type.String({ description: '16 bytes, hex' })),
  spanId: Type.Optional(Type.String({ description: '8 bytes, hex' })),
}, { additionalProperties: true })

export const ExportLogsRequest = Type.Object({
  resourceLogs: Type.Optional(Type.Array(Type.Object({
    resource: Type.Optional(Type.Object({ attributes: Type.Optional(KeyValueList) }, { additionalProperties: true })),
    scopeLogs: Type.Optional(Type.Array(Type.Object({
      scope: Type.Optional(Type.Object({
        name: Type.Optional(Type.String()),
        version: Type.Optional(Type.String()),
        attributes: Type.Optional(KeyValueList),
      }, { additionalProperties: true })),
      logRecords: Type.Optional(Type.Array(LogRecord)),
    }, { additionalProperties: true }))),
  }, { additionalProperties: true }))),
}, {
  title: 'ExportLogsServiceRequest',
  description: 'OTLP/JSON (application/json), or the same message in protobuf (application/x-protobuf); either may be gzip (content-encoding: gzip)',
  additionalProperties: true,
})

export const ExportLogsResponse = Type.Object({
  partialSuccess: Type.Optional(Type.Object({
    rejectedLogRecords: Type.Integer({ minimum: 1 }),
    errorMessage: Type.String(),
  })),
}, {
  title: 'ExportLogsServiceResponse',
  description: 'in protobuf for a protobuf request; partialSuccess only when records were rejected',
})
