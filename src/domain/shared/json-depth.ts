// The nesting bound of client JSON (event payloads and attributes, audit metadata). A value nested
// thousands of levels deep parses, but serialising, hashing or canonicalising it recurses and can
// overflow the stack: such an item is refused before anything else walks it. Pure.

/** The deepest nesting accepted: a scalar is depth 0, `{}` and `[]` depth 1, `{"a":[1]}` depth 2. */
export const MAX_JSON_DEPTH = 32

/**
 * Whether `value` nests objects or arrays deeper than `max`. It recurses at most `max` + 1 levels
 * whatever the value's depth, so it cannot overflow the stack itself, and allocates nothing.
 */
export function exceedsJsonDepth (value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  return value !== null && typeof value === 'object' && deeper(value, 1, max)
}

function deeper (node: object, depth: number, max: number): boolean {
  if (depth > max) return true
  if (Array.isArray(node)) {
    for (const child of node) if (child !== null && typeof child === 'object' && deeper(child, depth + 1, max)) return true
    return false
  }
  for (const key in node) {
    const child = (node as Record<string, unknown>)[key]
    if (child !== null && typeof child === 'object' && deeper(child, depth + 1, max)) return true
  }
  return false
}

/** The sentence end naming the bound, for a message that starts with the field's path. */
export const depthMessage = (max: number = MAX_JSON_DEPTH) => `is nested deeper than ${max} levels (the JSON depth bound)`
