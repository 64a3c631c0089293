// In-process publish/subscribe of domain happenings. Subscribers run synchronously after the
// publisher's write committed; a throwing subscriber is reported, never allowed to break the publisher.
// Each feature declares the topics it publishes where it defines their payloads, by augmenting
// BusTopics (`declare module '../shared/bus.js'`), so this module knows no feature.

export interface BusTopics {}

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
