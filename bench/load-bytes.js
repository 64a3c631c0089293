// autocannon with a body of raw bytes read from a file (protobuf, gzip), printing the JSON result as
// `autocannon -j` does. Run by lib.js's autocannon() on core 1: node bench/load-bytes.js '<options JSON>'.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

const { url, connections, duration, method, headers, input } = JSON.parse(process.argv[2])
const result = await autocannon({ url, connections, duration, method, headers, body: readFileSync(input) })
process.stdout.write(JSON.stringify(result) + '\n')
