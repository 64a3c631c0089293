// Uniform random numbers in [0, 1) for ULIDs, from a pool of crypto-random bytes refilled 4 KB at a
// time: ulidx's default asks crypto for each byte, sixteen calls an id (about 57 µs an id in a new
// millisecond against 0.3 µs; bench/README.md, the mcp suite).
import { randomFillSync } from 'node:crypto'

export function pooledRandom (): () => number {
  const pool = Buffer.alloc(4096)
  let at = pool.length
  return () => {
    if (at === pool.length) { randomFillSync(pool); at = 0 }
    return pool[at++] / 256
  }
}
