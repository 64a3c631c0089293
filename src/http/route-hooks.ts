// Hooks that a plugin adds to each route from an onRoute hook: a route option may hold one hook,
// a list of them, or none.

/** The hooks of a route option as a list, to add one before or after them. */
export function hookList<H> (option: H | H[] | undefined): H[] {
  return option === undefined ? [] : Array.isArray(option) ? option : [option]
}
