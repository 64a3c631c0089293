// How each channel type sends a notification: HTTP POST through the undici dispatcher the caller owns
// (webhook, Slack, Alertmanager), SMTP through nodemailer (email). What is sent is built in ../notification.ts.
// Both go through the outbound guard: the dispatcher's connector checks the address it connects to, and
// the SMTP host is resolved and checked first, then connected to by that IP with its name for TLS.
// A result says the status and a generic reason, never what the target answered: a refused or failing
// target must not be readable through the hub.
import { request, type Dispatcher } from 'undici'
import nodemailer from 'nodemailer'
import { isIP } from 'node:net'
import { classifyError } from '../../shared/adapters/network-errors.js'
import { bareHost } from '../../shared/target-guard.js'
import { alertmanagerAlerts, renderTemplate, signBody, type NotificationPayload } from '../notification.js'
import type { ChannelT } from '../../../schemas/notifier.js'

export interface SendResult { ok: boolean, statusCode: number | null, error: string | null, durationMs: number }
/** One address for a host, checked by the outbound guard (rejects with BlockedTargetError when refused). */
export type ResolveHost = (hostname: string) => Promise<{ address: string, family: number }>
export interface SendDeps { dispatcher: Dispatcher, resolveHost: ResolveHost, timeoutMs: number, userAgent: string }

/** Why a send failed, in generic words: the error class and its code, never the target's answer. */
export function failureReason (err: unknown, timeoutMs: number): string {
  const e = err as Error & { code?: string }
  switch (classifyError(err)) {
    case 'blocked': return 'refused by the outbound guard: the target address is not allowed'
    case 'timeout': return `no answer within ${timeoutMs} ms`
    case 'dns': return `the host name did not resolve (${codeOf(err) ?? 'DNS'})`
    case 'refused': return 'connection refused (ECONNREFUSED)'
    case 'reset': return `connection reset (${codeOf(err) ?? 'ECONNRESET'})`
    case 'tls': return `TLS failed (${codeOf(err) ?? 'TLS'})`
    default: return e?.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `the send failed (${codeOf(err) ?? 'error'})`
  }
}

/** The first error code in an error or its causes: a constant such as ECONNRESET, never free text. */
function codeOf (err: unknown): string | undefined {
  for (let e = err as { code?: unknown, originalCode?: unknown, cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    for (const c of [e.originalCode, e.code]) if (typeof c === 'string' && /^[A-Z0-9_]{2,40}$/.test(c)) return c
  }
  return undefined
}

async function post (url: string, body: string, headers: Record<string, string>, deps: SendDeps): Promise<SendResult> {
  const started = performance.now()
  try {
    const res = await request(url, {
      method: 'POST',
      body,
      headers: { 'user-agent': deps.userAgent, ...headers },
      dispatcher: deps.dispatcher,
      signal: AbortSignal.timeout(deps.timeoutMs),
    })
    // the answer is discarded, never echoed; redirects are not followed (a 3xx is a failure)
    await res.body.dump({ limit: 64 * 1024 }).catch(() => {})
    const ok = res.statusCode >= 200 && res.statusCode < 300
    const error = ok ? null : `HTTP ${res.statusCode}${res.statusCode >= 300 && res.statusCode < 400 ? ' (redirects are not followed)' : ''}`
    return { ok, statusCode: res.statusCode, error, durationMs: performance.now() - started }
  } catch (err) {
    return { ok: false, statusCode: null, error: failureReason(err, deps.timeoutMs), durationMs: performance.now() - started }
  }
}

async function sendEmail (c: Extract<ChannelT, { type: 'email' }>, p: NotificationPayload, deps: SendDeps): Promise<SendResult> {
  const started = performance.now()
  const tls = c.tls ?? 'starttls'
  let target: { address: string }
  try {
    target = await deps.resolveHost(c.host)
  } catch (err) {
    return { ok: false, statusCode: null, error: failureReason(err, deps.timeoutMs), durationMs: performance.now() - started }
  }
  // the checked IP is connected to; the configured name stays the TLS server name (SNI and certificate)
  const servername = isIP(bareHost(c.host)) ? undefined : c.host
  const transport = nodemailer.createTransport({
    host: target.address,
    port: c.port,
    ...(servername ? { servername, tls: { servername } } : {}),
    secure: tls === 'implicit',
    requireTLS: tls === 'starttls',
    ignoreTLS: tls === 'none',
    auth: c.user ? { user: c.user, pass: c.password ?? '' } : undefined,
    connectionTimeout: deps.timeoutMs,
    greetingTimeout: deps.timeoutMs,
    socketTimeout: deps.timeoutMs,
  })
  try {
    const info = await transport.sendMail({
      from: c.from,
      to: c.to,
      subject: p.title,
      text: p.text + '\n',
      headers: { 'X-MCP-Notification': p.id, 'X-MCP-Kind': p.kind },
    })
    const code = Number(/^(\d{3})/.exec(String(info.response ?? ''))?.[1] ?? 250)
    return { ok: true, statusCode: code, error: null, durationMs: performance.now() - started }
  } catch (err) {
    const e = err as Error & { responseCode?: number }
    const error = e.responseCode ? `SMTP ${e.responseCode}` : failureReason(err, deps.timeoutMs)
    return { ok: false, statusCode: e.responseCode ?? null, error, durationMs: performance.now() - started }
  } finally {
    transport.close()
  }
}

/** Sends one payload through one channel; never throws. */
export async function sendNotification (c: ChannelT, p: NotificationPayload, deps: SendDeps): Promise<SendResult> {
  switch (c.type) {
    case 'webhook': {
      const body = c.template ? renderTemplate(c.template, p) : JSON.stringify(p)
      const timestamp = String(Math.floor(Date.now() / 1000))
      const headers: Record<string, string> = {
        ...(c.headers ?? {}),
        'content-type': c.contentType ?? 'application/json',
        'x-mcp-delivery': p.id,
        'x-mcp-event': p.kind,
        'x-mcp-timestamp': timestamp,
      }
      if (c.secret) headers['x-mcp-signature'] = signBody(c.secret, timestamp, body)
      return post(c.url, body, headers, deps)
    }
    case 'slack':
      return post(c.url, JSON.stringify({ text: p.text }), { 'content-type': 'application/json' }, deps)
    case 'alertmanager':
      return post(new URL('api/v2/alerts', c.url.endsWith('/') ? c.url : c.url + '/').toString(), JSON.stringify(alertmanagerAlerts(p)),
        { 'content-type': 'application/json', ...(c.bearerToken ? { authorization: `Bearer ${c.bearerToken}` } : {}) }, deps)
    case 'email':
      return sendEmail(c, p, deps)
  }
}
