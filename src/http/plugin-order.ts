// The order plugins are registered in, worked out from what each declares. Every plugin is wrapped
// with fastify-plugin and names the plugins it needs: `fp(fn, { name, dependencies })`. Fastify
// checks at registration that each dependency is already registered; this puts them in an order
// where that holds, so the list in app.ts is a set rather than a sequence kept right by hand.

const kPluginMeta = Symbol.for('plugin-meta')

export interface PluginMeta { name?: string, dependencies?: readonly string[] }

/** The `{ name, dependencies }` fastify-plugin stored on a plugin, if it was wrapped. */
export function pluginMeta (plugin: object): PluginMeta | undefined {
  return (plugin as { [kPluginMeta]?: PluginMeta })[kPluginMeta]
}

/**
 * Orders `plugins` so that each comes after every plugin it depends on. Apart from that the list's
 * own order is kept (a plugin is moved only as far up as its dependencies require, and it moves them
 * up with it). `registered` names plugins already registered, which dependencies may name too.
 * Throws, naming the plugins, on an unnamed plugin, a name used twice, a dependency that is in neither
 * list, or a circular dependency.
 */
export function orderPlugins<P extends object> (plugins: readonly P[], registered: readonly string[] = []): P[] {
  const byName = new Map<string, P>()
  plugins.forEach((plugin, i) => {
    const name = pluginMeta(plugin)?.name
    // fastify-plugin makes up "<fn>-auto-<n>" when no name is given: nothing could depend on that
    if (!name || /-auto-\d+$/.test(name)) throw new Error(`plugin #${i + 1} of the list has no name: wrap it with fastify-plugin and give it { name, dependencies }`)
    if (byName.has(name) || registered.includes(name)) throw new Error(`plugin "${name}" is in the list twice`)
    byName.set(name, plugin)
  })

  const done = new Set(registered)
  const order: P[] = []
  const path: string[] = []
  const visit = (name: string) => {
    if (done.has(name)) return
    const at = path.indexOf(name)
    if (at >= 0) throw new Error(`circular plugin dependencies: ${[...path.slice(at), name].join(' → ')}`)
    const plugin = byName.get(name) as P
    path.push(name)
    for (const dep of pluginMeta(plugin)?.dependencies ?? []) {
      if (!byName.has(dep) && !done.has(dep)) throw new Error(`plugin "${name}" depends on "${dep}", which is neither in the list nor registered before it`)
      visit(dep)
    }
    path.pop()
    done.add(name)
    order.push(plugin)
  }
  for (const name of byName.keys()) visit(name)
  return order
}
