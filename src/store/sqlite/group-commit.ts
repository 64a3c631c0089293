// Group commit. Writes are queued; all that arrive in one turn of the event loop are committed in
// one transaction, and the next batch forms while one is being made durable. A promise resolves only
// after its batch is on disk. The commit runs either on this thread ('inline': the transaction runs
// here, and the WAL is synced on libuv's pool so the loop never waits for the disk) or on a writer
// thread ('thread': SQLite syncs inside the commit there, at the cost of a message round trip and of
// scheduling when both threads share a core).
import { closeSync, fdatasync, openSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { StoreClosedError, StoreOverloadedError } from '../ports/store.js'
import { DomainError } from '../../domain/shared/errors.js'
import { openWriter, type OpError, type OpRequest, type OpResult, type WriterOptions, type WriterSettings } from './writer-core.js'

export type WriterMode = 'inline' | 'thread'
/** Puts the WAL file on the disk (fdatasync); tests pass one they can hold back or fail. */
export type SyncWal = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void
export type { WriterSettings }

interface Pending { op: string, args: unknown, weight: number, resolve: (v: any) => void, reject: (e: Error) => void }

/** Where a batch is committed. */
interface Committer {
  settings: WriterSettings
  commit (ops: OpRequest[], done: (results: OpResult[]) => void): void
  close (): Promise<void>
  onFailure (fail: (err: Error) => void): void
}

/** rows a retention delete removes per commit: a few ms of the writer, well under an ingest p99 */
const DELETE_CHUNK = 500
/** the longest pause between two delete chunks while other writes wait */
const MAX_DELETE_PAUSE_MS = 100

export class WriteFailedError extends Error {
  override name = 'WriteFailedError'
  constructor (message: string, readonly code?: string) { super(message) }
}

function inlineCommitter (opts: WriterOptions, syncWal: SyncWal = fdatasync): Committer {
  const core = openWriter({ ...opts, syncAfterCommit: true })
  if (core.settings.walSync !== 'after-commit') {
    return { settings: core.settings, commit: (ops, done) => done(core.runBatch(ops)), close: async () => core.close(), onFailure: () => {} }
  }
  // The commit writes the WAL into the OS cache without waiting for the disk; fdatasync on libuv's pool
  // then puts it on the disk while the loop goes on parsing requests, and the batch is answered only
  // after that sync. The WAL file keeps its inode while the writer holds the database open.
  // One batch syncs at a time while the next one forms: letting several sync at once was measured
  // slower, as each sync costs the core its thread hand-off and kernel work (a write and fdatasync
  // took some 85 µs of CPU here), and smaller batches mean more of them.
  const wal = openSync(core.walFile, 'r')
  let broken: OpError | null = null
  const failed = (ops: OpRequest[], error: OpError) => ops.map(() => ({ ok: false as const, error }))
  return {
    settings: core.settings,
    commit (ops, done) {
      // after a failed sync nothing says what reached the disk: refuse every later write too
      if (broken) return done(failed(ops, broken))
      const results = core.runBatch(ops)
      syncWal(wal, (err) => {
        if (err) broken ??= { name: 'WriteFailedError', message: `the store could not sync its write-ahead log: ${err.message}`, code: err.code }
        done(broken ? failed(ops, broken) : results)
      })
    },
    close: async () => { core.close(); closeSync(wal) },
    onFailure: () => {},
  }
}

async function threadCommitter (opts: WriterOptions): Promise<Committer> {
  // Run the thread from the same kind of file as this one (.ts under the test loader, .js when built).
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  const worker = new Worker(new URL(`./writer-thread${ext}`, import.meta.url), { workerData: opts })
  const settings = await new Promise<WriterSettings>((resolve, reject) => {
    const onMessage = (msg: { type: string, error?: { message: string }, settings?: WriterSettings }) => {
      if (msg.type === 'ready') { cleanup(); resolve(msg.settings!) } else if (msg.type === 'failed') { cleanup(); reject(new Error(msg.error!.message)) }
    }
    const onError = (err: Error) => { cleanup(); reject(err) }
    const onExit = (code: number) => { cleanup(); reject(new Error(`store writer exited with code ${code}`)) }
    const cleanup = () => { worker.off('message', onMessage); worker.off('error', onError); worker.off('exit', onExit) }
    worker.on('message', onMessage).on('error', onError).on('exit', onExit)
  })
  let pending: ((results: OpResult[]) => void) | null = null
  let batchId = 0
  worker.on('message', (msg: { type: string, results?: OpResult[] }) => {
    if (msg.type === 'done' && pending) { const p = pending; pending = null; p(msg.results!) }
  })
  return {
    settings,
    commit (ops, done) { pending = done; worker.postMessage({ type: 'batch', id: ++batchId, ops }) },
    async close () {
      await new Promise<void>((resolve) => {
        worker.on('message', (msg: { type: string }) => { if (msg.type === 'closed') resolve() })
        worker.once('exit', () => resolve())
        worker.postMessage({ type: 'close' })
      })
      await worker.terminate()
    },
    onFailure (fail) {
      worker.on('error', fail)
      worker.on('exit', () => fail(new StoreClosedError()))
    },
  }
}

export class GroupCommitWriter {
  private queue: Pending[] = []
  private queuedWeight = 0
  private inFlight: Pending[] | null = null
  private scheduled = false
  private closing = false
  private drained: Array<() => void> = []
  /** writes submitted so far (retention watches it to tell whether others are writing) */
  private submitted = 0

  private constructor (private readonly committer: Committer, private readonly maxQueued: number) {
    committer.onFailure((err) => this.failAll(err))
  }

  static async start (opts: WriterOptions & { mode?: WriterMode, syncWal?: SyncWal }, maxQueued: number): Promise<GroupCommitWriter> {
    let committer: Committer
    try {
      committer = opts.mode === 'thread' ? await threadCommitter({ file: opts.file, durability: opts.durability }) : inlineCommitter(opts, opts.syncWal)
    } catch (err) {
      throw new Error(`cannot open store ${opts.file}: ${(err as Error).message}`)
    }
    return new GroupCommitWriter(committer, maxQueued)
  }

  get settings (): WriterSettings { return this.committer.settings }

  /** Number of queued (not yet committing) write units. */
  get backlog (): number { return this.queuedWeight }

  /**
   * Queues one operation. `weight` is how many rows it writes, for the queue bound.
   * Rejects with StoreOverloadedError when the queue is full, StoreClosedError when closing.
   */
  submit<T> (op: string, args: unknown, weight = 1): Promise<T> {
    if (this.closing) return Promise.reject(new StoreClosedError())
    if (this.queuedWeight + weight > this.maxQueued && this.queue.length > 0) return Promise.reject(new StoreOverloadedError())
    this.submitted++
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, args, weight, resolve, reject })
      this.queuedWeight += weight
      this.schedule()
    })
  }

  /**
   * Runs a delete op `{ before, limit }` in chunks until one deletes fewer than the chunk: each commit
   * stays short, so other writes never wait behind a long delete. While other writes are waiting the
   * deletes yield: after a chunk, a pause as long as the chunk took, so retention takes at most about
   * half of the writer while the hub ingests (and all of it when nothing else writes). Deleting a year's
   * backlog of 1 M events in 2,000-row chunks back to back tripled the p99 of single-event ingest
   * meanwhile (bench/scale/events.js). Stops when the store closes. Resolves with how many were deleted.
   */
  async deleteInChunks (op: string, before: number, chunk = DELETE_CHUNK): Promise<number> {
    let total = 0
    for (;;) {
      const started = performance.now()
      const seen = this.submitted
      const n = await this.submit<number>(op, { before, limit: chunk }, 1)
      total += n
      if (n < chunk || this.closing) return total
      // other writes were submitted after this chunk (each is in its commit, queued or in flight now:
      // a commit takes everything queued before it): give them the writer a while
      if (this.submitted - seen > 1) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_DELETE_PAUSE_MS, performance.now() - started)))
        if (this.closing) return total
      }
    }
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
    this.committer.commit(batch.map((p) => ({ op: p.op, args: p.args })), (results) => this.settle(batch, results))
  }

  private settle (batch: Pending[], results: OpResult[]) {
    if (this.inFlight !== batch) return
    this.inFlight = null
    batch.forEach((p, i) => {
      const r = results[i]
      if (r?.ok) p.resolve(r.value)
      else if (r?.error.kind) p.reject(new DomainError(r.error.kind, r.error.message, r.error.details))
      else p.reject(new WriteFailedError(r ? r.error.message : 'no result', r && !r.ok ? r.error.code : undefined))
    })
    if (this.queue.length > 0) this.schedule()
    else this.drained.splice(0).forEach((f) => f())
  }

  private failAll (err: Error) {
    for (const p of [...(this.inFlight ?? []), ...this.queue]) p.reject(err)
    this.inFlight = null
    this.queue = []
    this.queuedWeight = 0
    this.drained.splice(0).forEach((f) => f())
  }

  /** Commits everything queued, then closes the writing connection. */
  async close (): Promise<void> {
    if (this.closing) return
    this.closing = true
    if (this.inFlight || this.queue.length > 0) {
      await new Promise<void>((resolve) => { this.drained.push(resolve); this.schedule() })
    }
    await this.committer.close()
  }
}
