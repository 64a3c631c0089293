// Which methods a path answers to, for 405 Method Not Allowed: every route the app registers is
// indexed in a router of its own (find-my-way, the router Fastify itself uses, so that paths match
// exactly as they do for Fastify), and an unmatched request asks it which other methods would match.
import { createRequire } from 'node:module'

interface Router {
  on (method: string, path: string, handler: () => void): void
  find (method: string, path: string): unknown
}
type RouterFactory = (opts: { maxParamLength: number }) => Router

const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))
const FindMyWay = requireFromFastify('find-my-way') as RouterFactory
const noop = () => {}

export function createMethodIndex (maxParamLength: number) {
  const router = FindMyWay({ maxParamLength })
  const methods = new Set<string>()
  return {
    add (method: string | string[], url: string) {
      for (const m of Array.isArray(method) ? method : [method]) {
        router.on(m, url, noop)
        methods.add(m)
      }
    },
    /** the methods some route answers to on `path` (no querystring), in a stable order */
    allowed (path: string): string[] {
      return [...methods].filter((m) => router.find(m, path) !== null).sort()
    },
  }
}
