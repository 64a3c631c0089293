// The OTLP protobuf encoding of logs, read from the official .proto files (proto/, copied from
// open-telemetry/opentelemetry-proto) by protobufjs. Decoded messages come out as plain objects with
// the field names of OTLP/JSON (lowerCamelCase), so one mapping (log-records.ts) reads both encodings;
// 64-bit integers come out as decimal strings and bytes as base64, as in OTLP/JSON (ids apart: hex there).
import protobuf from 'protobufjs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { invalid } from '../shared/errors.js'

// the same from src/domain/otlp and dist/domain/otlp
const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url))

const root = new protobuf.Root()
root.resolvePath = (_origin, target) => join(PROTO_DIR, target)
root.loadSync('opentelemetry/proto/collector/logs/v1/logs_service.proto')
// google.rpc.Status, the body of an OTLP/HTTP error (details left out: the hub sends none)
protobuf.parse('syntax = "proto3"; package google.rpc; message Status { int32 code = 1; string message = 2; }', root)
root.resolveAll()

const ExportRequest = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest')
const ExportResponse = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse')
const Status = root.lookupType('google.rpc.Status')

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, bytes: String, enums: Number, defaults: false }

/** An ExportLogsServiceRequest from its protobuf bytes, as a plain object; 400 when undecodable. */
export function decodeLogsRequest (bytes: Uint8Array): Record<string, unknown> {
  let message: protobuf.Message
  try {
    message = ExportRequest.decode(bytes)
  } catch (err) {
    // a truncated or garbled message, or one nested past the stack (a RangeError)
    throw invalid(`body is not a protobuf ExportLogsServiceRequest: ${(err as Error).message}`)
  }
  return ExportRequest.toObject(message, TO_OBJECT)
}

export interface LogsResponse { partialSuccess?: { rejectedLogRecords: number, errorMessage: string } }

export const encodeLogsResponse = (response: LogsResponse): Uint8Array =>
  ExportResponse.encode(ExportResponse.fromObject(response)).finish()

/** gRPC codes for the statuses the route answers (google.rpc.Code). */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 415: 3, 429: 8, 503: 14 }

/** A google.rpc.Status for an HTTP error status and message. */
export const encodeStatus = (httpStatus: number, message: string): Uint8Array =>
  Status.encode(Status.fromObject({ code: GRPC_CODE[httpStatus] ?? 2, message })).finish()

/** Decoders for the tests and the bench: what a client reads back. */
export const decodeLogsResponse = (bytes: Uint8Array) => ExportResponse.toObject(ExportResponse.decode(bytes), TO_OBJECT) as LogsResponse
export const decodeStatus = (bytes: Uint8Array) => Status.toObject(Status.decode(bytes)) as { code?: number, message?: string }
export const encodeLogsRequest = (request: Record<string, unknown>): Uint8Array =>
  ExportRequest.encode(ExportRequest.fromObject(request)).finish()
