// Entry of the writer thread: owns the writing connection and answers batches from the main thread,
// which keeps parsing requests and forming the next batch while this one commits.
import { parentPort, workerData } from 'node:worker_threads'
import { openWriter, serialiseError, type OpRequest, type WriterCore, type WriterOptions } from './writer-core.js'

const port = parentPort!
let core: WriterCore
try {
  core = openWriter(workerData as WriterOptions)
  port.postMessage({ type: 'ready', applied: core.applied, settings: core.settings })
} catch (err) {
  port.postMessage({ type: 'failed', error: serialiseError(err) })
  process.exit(1)
}

port.on('message', (msg: { type: 'batch', id: number, ops: OpRequest[] } | { type: 'close' }) => {
  if (msg.type === 'close') {
    core.close()
    port.postMessage({ type: 'closed' })
    return
  }
  port.postMessage({ type: 'done', id: msg.id, results: core.runBatch(msg.ops) })
})
