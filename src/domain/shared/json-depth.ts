// The nesting bound of client JSON (event payloads and attributes, audit metadata). A value nested
// thousands of levels deep parses, but serialising, hashing or canonicalising it recurses and can
// overflow the stack: such an item is refused before anything walks it recursively. Pure.

/** The deepest nesting accepted: a scalar is depth 0, `{}` and `[]` depth 1, `{"a":[1]}` depth 2. */
export const MAX_JSON_DEPTH = 32

/** Whether `value` nests objects or arrays deeper than `max`. Iterative: it cannot overflow the stack itself. */
export function exceedsJsonDepth (value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false
  const stack: Array<[object, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > max) return true
    const children = Array.isArray(node) ? node : Object.values(node)
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
  return false
}

/** The sentence end naming the bound, for a message that starts with the field's path. */
export const depthMessage = (max: number = MAX_JSON_DEPTH) => `is nested deeper than ${max} levels (the JSON depth bound)`
