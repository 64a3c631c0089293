// In-process publish/subscribe of domain happenings. Subscribers run synchronously after the
// publisher's write committed; a throwing subscriber is reported, never allowed to break the publisher.
import type { StoredEvent } from '../store/port.js'
import type { AuditEntry } from './hash-chain.js'
import type { AlertRecord, AlertStatus, Notice } from './alert-machine.js'

/** A monitored service's state (see the health plugin). */
export type ServiceState = 'unknown' | 'up' | 'degraded' | 'down' | 'paused'

/** Published by the health plugin when a service changes state (after the change is stored). */
export interface ServiceTransition {
  service: string
  tags: string[]
  dependsOn: string[]
  from: ServiceState
  to: ServiceState
  /** ISO time of the check that caused the transition */
  at: string
  /** error class or reason, e.g. 'timeout', 'status', 'latency', 'tls-expiry'; null when recovering */
  cause: string | null
  /** the incident opened (to down/degraded) or closed (back to up) by this transition */
  incidentId: string | null
}

export interface BusTopics {
  'event.stored': { events: StoredEvent[] }
  'auth.failed': { ip: string, user: string | null, route: string, requestId: string }
  'service.transition': ServiceTransition
  /** every stored check, for metrics (after its batch commits) */
  'service.checked': { service: string, verdict: 'up' | 'degraded' | 'down', latencyMs: number, errorClass: string | null }
  /** events deleted by retention */
  'events.pruned': { count: number }
  /** entries committed to the audit trail, in seq order */
  'audit.appended': { entries: AuditEntry[] }
  /** Published by the notifier after an alert's change is stored; `notice` is what it queued to send. */
  'alert.changed': { alert: AlertRecord, status: AlertStatus, notice: Notice | null }
}

type Handler<T> = (payload: T) => void

export interface Bus {
  publish<K extends keyof BusTopics> (topic: K, payload: BusTopics[K]): void
  subscribe<K extends keyof BusTopics> (topic: K, handler: Handler<BusTopics[K]>): () => void
}

export function createBus (onError: (err: unknown, topic: string) => void = () => {}): Bus {
  const handlers = new Map<string, Set<Handler<any>>>()
  return {
    publish (topic, payload) {
      const set = handlers.get(topic)
      if (!set) return
      for (const h of set) {
        try { h(payload) } catch (err) { onError(err, topic) }
      }
    },
    subscribe (topic, handler) {
      let set = handlers.get(topic)
      if (!set) { set = new Set(); handlers.set(topic, set) }
      set.add(handler)
      return () => { set!.delete(handler) }
    },
  }
}
