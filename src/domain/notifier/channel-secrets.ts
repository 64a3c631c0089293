// Channel secrets are write-only through the API: views mask them, and an update that sends a mask
// back (or leaves the field out) keeps the stored value.
import type { ChannelT } from '../../schemas/notifier.js'

export const SECRET_MASK = '********'

/** Fields holding secrets, per channel type: write-only through the API. */
export function maskChannel (c: ChannelT): ChannelT {
  switch (c.type) {
    case 'webhook': return {
      ...c,
      ...(c.secret ? { secret: SECRET_MASK } : {}),
      ...(c.headers ? { headers: Object.fromEntries(Object.keys(c.headers).map((k) => [k, SECRET_MASK])) } : {}),
    }
    case 'slack': return { ...c, url: `${new URL(c.url).origin}/${SECRET_MASK}` }
    case 'alertmanager': return c.bearerToken ? { ...c, bearerToken: SECRET_MASK } : c
    case 'email': return c.password ? { ...c, password: SECRET_MASK } : c
  }
}

/** An update that omits a secret or sends it masked keeps the stored one; '' clears it. */
export function keepSecrets (old: ChannelT | undefined, next: ChannelT): ChannelT {
  if (!old || old.type !== next.type) return next
  const keep = (given: string | undefined, stored: string | undefined) => given === undefined || given === SECRET_MASK ? stored : (given === '' ? undefined : given)
  const out = { ...next } as Record<string, unknown>
  const o = old as Record<string, unknown>
  for (const f of ['secret', 'password', 'bearerToken'] as const) {
    if (f in o || f in out) { const v = keep(out[f] as string | undefined, o[f] as string | undefined); if (v === undefined) delete out[f]; else out[f] = v }
  }
  if (next.type === 'slack' && old.type === 'slack' && next.url === (maskChannel(old) as { url: string }).url) out.url = old.url
  if (next.type === 'webhook' && next.headers && old.type === 'webhook') {
    out.headers = Object.fromEntries(Object.entries(next.headers).map(([k, v]) => [k, v === SECRET_MASK ? old.headers?.[k] ?? '' : v]))
  }
  return out as ChannelT
}
