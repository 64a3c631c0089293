// One JSON POST to the hub with a deadline, and what its answer means for the caller: done, refused for
// good (a 4xx other than 408/429: sending it again cannot succeed), or worth retrying (no answer, 408,
// 429, 5xx), with the wait the hub asked for in Retry-After.

export interface HubConnection {
  /** the hub's base URL, e.g. http://mcp-server:5050 */
  url: string
  /** a bearer token from the hub's MCP_INGEST_TOKENS; omit when the hub's ingest is public */
  token?: string
  /** deadline of one request, headers and body; default 10 s */
  requestTimeoutMs?: number
}

export type HubAnswer =
  | { kind: 'ok', status: number, body: unknown }
  | { kind: 'refused', status: number, body: unknown, message: string }
  | { kind: 'retry', status: number | null, message: string, retryAfterMs: number | null }

/** Retry-After as seconds or an HTTP date → milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter (value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

function messageOf (body: unknown, status: number): string {
  if (body !== null && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return `HTTP ${status}: ${(body as { message: string }).message}`
  }
  return `HTTP ${status}`
}

export async function postToHub (conn: HubConnection, path: string, body: unknown): Promise<HubAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
  if (conn.token) headers.authorization = `Bearer ${conn.token}`
  let res: Response
  try {
    res = await fetch(new URL(path, conn.url), {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(conn.requestTimeoutMs ?? 10_000),
    })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code
    return { kind: 'retry', status: null, message: cause ? `${(err as Error).message} (${cause})` : (err as Error).message, retryAfterMs: null }
  }
  let parsed: unknown = null
  try {
    const text = await res.text()
    parsed = text === '' ? null : JSON.parse(text)
  } catch {
    parsed = null
  }
  if (res.ok) return { kind: 'ok', status: res.status, body: parsed }
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    return { kind: 'retry', status: res.status, message: messageOf(parsed, res.status), retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) }
  }
  return { kind: 'refused', status: res.status, body: parsed, message: messageOf(parsed, res.status) }
}
