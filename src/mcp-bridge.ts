// The stdio ↔ Streamable HTTP bridge behind `mcp-server mcp`: for MCP clients that can only launch a
// local command (Claude Desktop, older tools). Both sides are the SDK's own transports, piped message by
// message; the bridge keeps only what a message-level pipe must (which requests are in flight) so an
// HTTP failure reaches the stdio client as a JSON-RPC error on the request it failed, not as silence.
//
// Both protocol revisions pass through unchanged:
// - 2025-11-25: the client's `initialize` is forwarded as is; the version its result names is handed to
//   the HTTP transport (as the SDK's Client would) so later POSTs carry `MCP-Protocol-Version`.
// - 2026-07-28: every request carries its `_meta` envelope, from which the HTTP transport derives the
//   `MCP-Protocol-Version` / `Mcp-Method` headers itself, so `server/discover` and all that follows need
//   nothing from the bridge. Its cancellation over HTTP is the end of the request's exchange, not a
//   `notifications/cancelled` POST, so the bridge turns the client's notification into that abort.
//   (A 2025 client's notification is forwarded as well: that revision cancels by message.)
import type { Readable, Writable } from 'node:stream'
import {
  PROTOCOL_VERSION_META_KEY, ProtocolErrorCode, SdkHttpError, StreamableHTTPClientTransport,
  isJSONRPCErrorResponse, isJSONRPCNotification, isJSONRPCRequest, isJSONRPCResultResponse,
  type JSONRPCMessage, type JSONRPCRequest, type RequestId,
} from '@modelcontextprotocol/client'
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'

export interface BridgeOptions {
  /** The hub's MCP endpoint, e.g. https://hub.example/mcp. */
  url: URL
  token: string
  /** Extra request headers (--header); never overrides the bearer token or the on-behalf-of header. */
  headers?: Record<string, string>
  /** Sent as X-MCP-On-Behalf-Of: the user an agent acts for. */
  onBehalfOf?: string
  stdin?: Readable
  stdout?: Writable
  /** One line of diagnostics; stdout is the protocol, so this must go elsewhere (stderr by default). */
  log?: (line: string) => void
}

export interface Bridge {
  /** Settles once the bridge has closed: stdin ended, or close() was called. */
  closed: Promise<void>
  close (): Promise<void>
}

interface InFlight { method: string, abort: AbortController }

/** The hub's HTTP answer in words, for the log line and the JSON-RPC error alike. */
export function describeHubFailure (err: unknown): { message: string, status?: number } {
  if (err instanceof SdkHttpError) {
    const detail = typeof err.data.text === 'string' && err.data.text.length > 0 ? `: ${err.data.text.slice(0, 500)}` : ''
    return { message: `hub answered HTTP ${err.status}${err.statusText ? ' ' + err.statusText : ''}${detail}`, status: err.status }
  }
  // fetch's own message is only "fetch failed"; the reason (ECONNREFUSED, a TLS error) is its cause
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : ''
  return { message: `hub unreachable: ${err instanceof Error ? err.message : String(err)}${cause}` }
}

const carriesEnvelope = (params: unknown): boolean =>
  typeof (params as { _meta?: Record<string, unknown> } | undefined)?._meta?.[PROTOCOL_VERSION_META_KEY] === 'string'

export function startBridge (opts: BridgeOptions): Bridge {
  const log = opts.log ?? ((line: string) => { process.stderr.write(`mcp-server mcp: ${line}\n`) })
  // a Headers object, so an --header 'authorization: …' in any case is replaced rather than joined
  const headers = new Headers(opts.headers)
  headers.set('Authorization', `Bearer ${opts.token}`)
  if (opts.onBehalfOf) headers.set('X-MCP-On-Behalf-Of', opts.onBehalfOf)
  const hub = new StreamableHTTPClientTransport(opts.url, { requestInit: { headers } })
  const local = new StdioServerTransport(opts.stdin, opts.stdout)
  const inFlight = new Map<RequestId, InFlight>()

  const toLocal = (message: JSONRPCMessage) => local.send(message).catch((err: Error) => log(`cannot write to stdout: ${err.message}`))

  // Answers a request the hub will not answer, once: a late answer from the hub is then dropped.
  const fail = (id: RequestId, failure: { message: string, status?: number }) => {
    if (!inFlight.delete(id)) return
    void toLocal({ jsonrpc: '2.0', id, error: { code: ProtocolErrorCode.InternalError, message: failure.message, ...(failure.status !== undefined && { data: { httpStatus: failure.status } }) } })
  }

  const forwardRequest = (request: JSONRPCRequest) => {
    const abort = new AbortController()
    inFlight.set(request.id, { method: request.method, abort })
    hub.send(request, {
      requestSignal: abort.signal,
      // an SSE answer that ends without the response (the hub restarted, a proxy cut it) still gets one
      onRequestStreamEnd: () => fail(request.id, { message: 'hub closed the response stream before answering' }),
    }).catch((err) => { if (!abort.signal.aborted) fail(request.id, describeHubFailure(err)) })
  }

  local.onmessage = (message) => {
    if (isJSONRPCRequest(message)) return forwardRequest(message)
    if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId
      const pending = id === undefined ? undefined : inFlight.get(id)
      if (pending && id !== undefined) { inFlight.delete(id); pending.abort.abort() }
      if (carriesEnvelope(message.params)) return
    }
    // notifications, and the client's answers to the hub's requests; a failure has no request to answer
    hub.send(message).catch(() => {})
  }

  hub.onmessage = (message) => {
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      const pending = message.id === undefined ? undefined : inFlight.get(message.id)
      if (message.id !== undefined && !inFlight.delete(message.id)) return
      const version = (message as { result?: { protocolVersion?: unknown } }).result?.protocolVersion
      if (pending?.method === 'initialize' && typeof version === 'string') hub.setProtocolVersion(version)
    }
    void toLocal(message)
  }
  // every failed POST passes through here too (before its send() rejects): the one place to log it
  hub.onerror = (err) => log(describeHubFailure(err).message)
  local.onerror = (err) => log(`stdin: ${err.message}`)

  // stdin's end closes the stdio transport (the SDK's rule: requests still in flight are dropped, as a
  // stdio server drops them); close() takes the same path, so there is one way down
  let closedNow: () => void = () => {}
  const closed = new Promise<void>((resolve) => { closedNow = resolve })
  local.onclose = () => {
    for (const { abort } of inFlight.values()) abort.abort()
    inFlight.clear()
    hub.close().catch(() => {}).finally(closedNow)
  }
  const close = async () => { await local.close(); await closed }

  void hub.start()
  void local.start()
  return { closed, close }
}
