// Email through a real SMTP server (the smtp-server package) on 127.0.0.1.
import t from 'tap'
import { SMTPServer } from 'smtp-server'
import type { AddressInfo } from 'node:net'
import { build, adminHeaders } from '../helper.js'
import { fast, publishTransition } from '../fixtures/notifier.js'
import { waitFor } from '../fixtures/wait.js'

interface Mail { from: string, to: string[], user: string | undefined, data: string }

async function smtpServer (t: { teardown (fn: () => unknown): void }, opts: { rejectFirst?: number } = {}) {
  const mails: Mail[] = []
  let rejects = opts.rejectFirst ?? 0
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth (auth, _session, cb) {
      if (auth.username === 'mailer' && auth.password === 'smtp-pass-123') return cb(null, { user: auth.username })
      cb(new Error('invalid login'))
    },
    onData (stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        if (rejects > 0) {
          rejects--
          const err = new Error('mailbox busy, try later') as Error & { responseCode: number }
          err.responseCode = 451
          return cb(err)
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          data: Buffer.concat(chunks).toString(),
        })
        cb()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port: (server.server.address() as AddressInfo).port, mails }
}

t.test('an alert arrives by email over SMTP, with auth, after a temporary refusal', async (t) => {
  const smtp = await smtpServer(t, { rejectFirst: 1 })
  const { app } = await build(t, {
    ...fast,
    channels: [{ id: 'mail', type: 'email', host: '127.0.0.1', port: smtp.port, tls: 'none', user: 'mailer', password: 'smtp-pass-123', from: 'mcp@example.test', to: ['oncall@example.test', 'lead@example.test'] }],
    alertRules: [{ id: 'critical', severities: ['critical'], channels: ['mail'] }],
  })
  const view = (await app.inject({ url: '/notifications/channels/mail', headers: adminHeaders })).json()
  t.equal(view.password, '********', 'the SMTP password is masked')

  publishTransition(app, 'product', 'degraded') // warning: not routed by this rule
  publishTransition(app, 'product', 'down', { from: 'degraded', cause: 'status' })
  await waitFor(() => smtp.mails.length === 1, { message: 'the email' })
  const mail = smtp.mails[0]
  t.equal(mail.from, 'mcp@example.test')
  t.same(mail.to, ['oncall@example.test', 'lead@example.test'])
  t.equal(mail.user, 'mailer', 'authenticated')
  t.match(mail.data, /Subject: \[FIRING\] 1 firing/)
  t.match(mail.data, /FIRING product \(critical, status\)/)
  t.match(mail.data, /X-MCP-Kind: firing/i)
  const log = await waitFor(async () => {
    const l = (await app.inject({ url: '/notifications/deliveries?channel=mail', headers: adminHeaders })).json()
    return l[0]?.outcome === 'success' ? l : null
  }, { message: 'the delivery log' })
  t.same(log.map((d: any) => `${d.outcome}:${d.statusCode}`), ['success:250', 'failure:451'])
})
