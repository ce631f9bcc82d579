import type { PipelineDocument } from "../../domain/document.ts"
import type { LineBatch } from "../../stages/shard/lines.ts"

/**
 * What the pool asks a worker thread to do, one request at a time. Documents and results travel as
 * structured clones (typed arrays included), not as JSON; the configurations are each stage's
 * resolved `Config`, plain data.
 */
export type WorkerRequest =
  /** Every named stage's pure part on a chunk; `configs[i]` is the configuration of `stages[i]`. */
  | { readonly _tag: "PureChunk"; readonly stages: ReadonlyArray<string>; readonly configs: ReadonlyArray<unknown>; readonly documents: ReadonlyArray<PipelineDocument> }
  /** One batch of kept documents bound for one shard stream: the worker builds its JSON lines, UTF-8. */
  | { readonly _tag: "RecordLinesBatch"; readonly batch: LineBatch }
  /** One finished JSON-lines shard: the worker writes its Parquet twin beside it. */
  | { readonly _tag: "ParquetShard"; readonly jsonl: string; readonly parquet: string }

export type WorkerReply =
  | { readonly _tag: "Done"; readonly value: unknown }
  | { readonly _tag: "Failed"; readonly message: string }

/** What a pure worker thread is started with. */
export interface PureWorkerData {
  /** A `BigInt64Array` of `PROGRESS_SLOTS`: the worker writes where it is, the pool reads it. */
  readonly progress: SharedArrayBuffer
  /** The module whose `stages` export the worker takes stages from, instead of the stage list (tests). */
  readonly stagesModule: string | undefined
}

/**
 * Progress slots: when the document in progress entered its stage (`process.hrtime.bigint()`, one
 * clock for every thread of the process; 0 while the worker is between requests), which stage
 * (index in the request's `stages`) and which document (index in the chunk).
 */
export const PROGRESS_STARTED = 0
export const PROGRESS_STAGE = 1
export const PROGRESS_DOCUMENT = 2
export const PROGRESS_SLOTS = 3
