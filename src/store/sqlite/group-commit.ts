// Main-thread side of group commit. Writes are queued; while the writer thread commits one batch,
// the next one forms. A promise resolves only after its batch is committed to disk.
import { Worker } from 'node:worker_threads'
import { StoreClosedError, StoreOverloadedError } from '../port.js'
import type { OpRequest, OpResult, WriterData } from './writer-thread.js'

/** The writer connection's pragmas as SQLite reports them (synchronous: 1 NORMAL, 2 FULL). */
export interface WriterSettings { journalMode: string, synchronous: number }

interface Pending { op: string, args: unknown, weight: number, resolve: (v: any) => void, reject: (e: Error) => void }

export class WriteFailedError extends Error {
  override name = 'WriteFailedError'
  constructor (message: string, readonly code?: string) { super(message) }
}

export class GroupCommitWriter {
  private queue: Pending[] = []
  private queuedWeight = 0
  private inFlight: Pending[] | null = null
  private batchId = 0
  private scheduled = false
  private closing = false
  private drained: Array<() => void> = []
  private constructor (private readonly worker: Worker, private readonly maxQueued: number, readonly settings: WriterSettings) {
    worker.on('message', (msg: { type: string, id?: number, results?: OpResult[] }) => {
      if (msg.type === 'done') this.settle(msg.results!)
    })
    worker.on('error', (err) => this.failAll(err))
    worker.on('exit', () => this.failAll(new StoreClosedError()))
  }

  static async start (data: WriterData, maxQueued: number): Promise<GroupCommitWriter> {
    // Run the thread from the same kind of file as this one (.ts under the test loader, .js when built).
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
    const worker = new Worker(new URL(`./writer-thread${ext}`, import.meta.url), { workerData: data })
    const settings = await new Promise<WriterSettings>((resolve, reject) => {
      const onMessage = (msg: { type: string, error?: { message: string }, settings?: WriterSettings }) => {
        if (msg.type === 'ready') { cleanup(); resolve(msg.settings!) } else if (msg.type === 'failed') { cleanup(); reject(new Error(`cannot open store ${data.file}: ${msg.error!.message}`)) }
      }
      const onError = (err: Error) => { cleanup(); reject(err) }
      const onExit = (code: number) => { cleanup(); reject(new Error(`store writer exited with code ${code}`)) }
      const cleanup = () => { worker.off('message', onMessage); worker.off('error', onError); worker.off('exit', onExit) }
      worker.on('message', onMessage).on('error', onError).on('exit', onExit)
    })
    return new GroupCommitWriter(worker, maxQueued, settings)
  }

  /** Number of queued (not yet sent) write units. */
  get backlog (): number { return this.queuedWeight }

  /**
   * Queues one operation. `weight` is how many rows it writes, for the queue bound.
   * Rejects with StoreOverloadedError when the queue is full, StoreClosedError when closing.
   */
  submit<T> (op: string, args: unknown, weight = 1): Promise<T> {
    if (this.closing) return Promise.reject(new StoreClosedError())
    if (this.queuedWeight + weight > this.maxQueued && this.queue.length > 0) return Promise.reject(new StoreOverloadedError())
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, args, weight, resolve, reject })
      this.queuedWeight += weight
      this.schedule()
    })
  }

  private schedule () {
    if (this.inFlight || this.scheduled || this.queue.length === 0) return
    this.scheduled = true
    // let every request parsed in this turn of the loop join the batch
    setImmediate(() => { this.scheduled = false; this.flush() })
  }

  private flush () {
    if (this.inFlight || this.queue.length === 0) return
    const batch = this.queue
    this.queue = []
    this.queuedWeight = 0
    this.inFlight = batch
    const ops: OpRequest[] = batch.map((p) => ({ op: p.op, args: p.args }))
    this.worker.postMessage({ type: 'batch', id: ++this.batchId, ops })
  }

  private settle (results: OpResult[]) {
    const batch = this.inFlight ?? []
    this.inFlight = null
    batch.forEach((p, i) => {
      const r = results[i]
      if (r?.ok) p.resolve(r.value)
      else p.reject(new WriteFailedError(r ? r.error.message : 'no result', r && !r.ok ? r.error.code : undefined))
    })
    if (this.queue.length > 0) this.flush()
    else this.drained.splice(0).forEach((f) => f())
  }

  private failAll (err: Error) {
    for (const p of [...(this.inFlight ?? []), ...this.queue]) p.reject(err)
    this.inFlight = null
    this.queue = []
    this.queuedWeight = 0
    this.drained.splice(0).forEach((f) => f())
  }

  /** Commits everything queued, then stops the writer thread. */
  async close (): Promise<void> {
    if (this.closing) return
    this.closing = true
    if (this.inFlight || this.queue.length > 0) {
      await new Promise<void>((resolve) => { this.drained.push(resolve); this.schedule() })
    }
    await new Promise<void>((resolve) => {
      const onMessage = (msg: { type: string }) => { if (msg.type === 'closed') { this.worker.off('message', onMessage); resolve() } }
      this.worker.on('message', onMessage)
      this.worker.once('exit', () => resolve())
      this.worker.postMessage({ type: 'close' })
    })
    await this.worker.terminate()
  }
}
