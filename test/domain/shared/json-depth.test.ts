import t from 'tap'
import { MAX_JSON_DEPTH, exceedsJsonDepth } from '../../../src/domain/shared/json-depth.js'

/** `depth` levels of objects (or arrays) around a scalar */
const nest = (depth: number, array = false): unknown => {
  let v: unknown = 1
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v }
  return v
}

t.test('scalars are depth 0; each object or array adds one', async (t) => {
  for (const v of [null, 1, 'x', true]) t.notOk(exceedsJsonDepth(v, 0), `${JSON.stringify(v)} is depth 0`)
  t.notOk(exceedsJsonDepth({}, 1))
  t.ok(exceedsJsonDepth({}, 0))
  t.notOk(exceedsJsonDepth({ a: [1] }, 2))
  t.ok(exceedsJsonDepth({ a: [1] }, 1))
})

t.test('the bound is MAX_JSON_DEPTH levels, in objects, arrays and mixed', async (t) => {
  t.equal(MAX_JSON_DEPTH, 32)
  t.notOk(exceedsJsonDepth(nest(32)))
  t.ok(exceedsJsonDepth(nest(33)))
  t.notOk(exceedsJsonDepth(nest(32, true)))
  t.ok(exceedsJsonDepth(nest(33, true)))
  // the deep branch is not the first one
  t.ok(exceedsJsonDepth({ shallow: 1, list: [0, { deep: nest(31) }] }))
  t.notOk(exceedsJsonDepth({ shallow: 1, list: [0, { deep: nest(29) }] }))
})

t.test('a value far deeper than the stack would allow recursion through is judged without overflow', async (t) => {
  const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000))
  t.ok(exceedsJsonDepth(deep))
})
