// How each channel type sends a notification: HTTP POST through the undici dispatcher the caller owns
// (webhook, Slack, Alertmanager), SMTP through nodemailer (email). What is sent is built in ../notification.ts.
import { request, type Dispatcher } from 'undici'
import nodemailer from 'nodemailer'
import { alertmanagerAlerts, renderTemplate, signBody, type NotificationPayload } from '../notification.js'
import type { ChannelT } from '../../../schemas/notifier.js'

export interface SendResult { ok: boolean, statusCode: number | null, error: string | null, durationMs: number }
export interface SendDeps { dispatcher: Dispatcher, timeoutMs: number, userAgent: string }

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
    // keep a little of the answer for the log; redirects are not followed (undici's request does not)
    let text = ''
    for await (const chunk of res.body) { if (text.length < 500) text += chunk.toString() }
    const ok = res.statusCode >= 200 && res.statusCode < 300
    return { ok, statusCode: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`, durationMs: performance.now() - started }
  } catch (err) {
    const e = err as Error & { code?: string }
    const message = e.name === 'TimeoutError' ? `no answer within ${deps.timeoutMs} ms` : `${e.code ?? e.name}: ${e.message}`
    return { ok: false, statusCode: null, error: message, durationMs: performance.now() - started }
  }
}

async function sendEmail (c: Extract<ChannelT, { type: 'email' }>, p: NotificationPayload, deps: SendDeps): Promise<SendResult> {
  const started = performance.now()
  const tls = c.tls ?? 'starttls'
  const transport = nodemailer.createTransport({
    host: c.host,
    port: c.port,
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
    const e = err as Error & { responseCode?: number, code?: string }
    return { ok: false, statusCode: e.responseCode ?? null, error: `${e.code ?? e.name}: ${e.message}`, durationMs: performance.now() - started }
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
