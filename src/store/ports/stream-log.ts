// The stream-log area of the storage port: happenings without a table of their own, kept for replay.

export interface StreamLogEntry { seq: number, kind: string, type: string, data: unknown, at: number }

/** Happenings kept for stream replay (state and alert changes); bounded in time. */
export interface StreamLogStore {
  append (kind: string, type: string, data: unknown, at?: number): Promise<number>
  /** entries of `kind` with seq > `seq`, ascending */
  after (kind: string, seq: number, limit: number): Promise<StreamLogEntry[]>
  /** deletes entries older than `before` (ms) */
  prune (before: number): Promise<number>
}
