// A child-logger factory for routes hit thousands of times a second. Fastify gives every request a
// pino child; building it (bindings serialised, and with a route log level every log method rebuilt)
// costs more per request than most of the ingest route's own work. This factory hands out a
// stand-in that drops what the route's level drops and builds the real child on the first line
// that is logged.
import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions, FastifyChildLoggerFactory } from 'fastify/types/logger.js'

const METHODS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const
// pino's numeric levels
const VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity }

type LogMethod = (...args: unknown[]) => void

class LazyChild {
  private real?: FastifyBaseLogger
  constructor (private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly opts: ChildLoggerOptions) {}
  get level (): string { return this.real?.level ?? this.opts.level ?? this.parent.level }
  set level (level: string) { this.materialise().level = level }
  /** the real pino child, built once, on first use */
  materialise (): FastifyBaseLogger { return (this.real ??= this.parent.child(this.bindings, this.opts)) }
  child (bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger { return this.materialise().child(bindings, opts) }
  silent () {}
}

for (const method of METHODS) {
  const log: (this: LazyChild, ...args: unknown[]) => void = function (...args) {
    if (VALUES[method] < (VALUES[this.level] ?? 0)) return
    ;(this.materialise()[method] as LogMethod)(...args)
  }
  Object.defineProperty(LazyChild.prototype, method, { value: log })
}

export const lazyChildLogger: FastifyChildLoggerFactory = (logger, bindings, opts) =>
  new LazyChild(logger, bindings, opts) as unknown as FastifyBaseLogger
