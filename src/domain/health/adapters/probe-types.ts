// What a probe takes (the parts of a service definition it needs) and what it gives back (a verdict,
// timings and why it failed). Shared by the prober, its helpers and the state machine.

export type ErrorClass = 'timeout' | 'refused' | 'reset' | 'dns' | 'tls' | 'status' | 'condition' | 'blocked' | 'error'
export type Verdict = 'up' | 'degraded' | 'down'

export interface JsonConditionSpec { path: string, equals?: unknown, exists?: boolean }

/** What the prober needs of a service definition. */
export interface ProbeTarget {
  kind: 'http' | 'tcp'
  url: string
  method: string
  headers: Record<string, string>
  body: string | null
  expectedStatus: Array<number | string>
  bodyContains: string | null
  json: JsonConditionSpec[]
  followRedirects: boolean
  timeout: number
  degradedAfterMs: number | null
  tlsExpiryDays: number | null
}

export interface ProbeResult {
  /** ms epoch when the probe started */
  at: number
  verdict: Verdict
  latencyMs: number
  httpStatus: number | null
  errorClass: ErrorClass | null
  /** why the check failed or is degraded; null when up */
  message: string | null
  /** 'latency', 'tls-expiry' or 'reported' (the body's status) for degraded checks, the error class for failures */
  cause: string | null
  tlsDaysLeft: number | null
}
