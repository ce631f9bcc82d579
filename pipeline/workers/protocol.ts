import { Schema } from "effect"

/**
 * One chunk of documents for a worker: every stage's pure part runs on it there. Documents and
 * results travel as structured clones (typed arrays included), not as JSON, so nothing here
 * re-encodes them; the configurations are each stage's resolved `Config`, plain data.
 */
export class PureChunk extends Schema.TaggedRequest<PureChunk>()("PureChunk", {
  failure: Schema.String,
  success: Schema.Unknown,
  payload: {
    /** The stages whose pure parts run, by name, in the stage list's order. */
    stages: Schema.Array(Schema.String),
    configs: Schema.Array(Schema.Unknown),
    documents: Schema.Array(Schema.Unknown)
  }
}) {}

/** One batch of kept documents bound for one shard stream: the worker builds its JSON lines, UTF-8. */
export class RecordLinesBatch extends Schema.TaggedRequest<RecordLinesBatch>()("RecordLinesBatch", {
  failure: Schema.String,
  success: Schema.Unknown,
  payload: {
    /** A `LineBatch` (stages/shard/lines.ts): catalog rows and the shingle parameters. */
    batch: Schema.Unknown
  }
}) {}

/** One finished JSON-lines shard: the worker writes its Parquet twin beside it. */
export class ParquetShard extends Schema.TaggedRequest<ParquetShard>()("ParquetShard", {
  failure: Schema.String,
  success: Schema.Struct({ records: Schema.Number }),
  payload: { jsonl: Schema.String, parquet: Schema.String }
}) {}

/** Everything a worker thread is asked to do. */
export const WorkerRequest = Schema.Union(PureChunk, RecordLinesBatch, ParquetShard)
export type WorkerRequest = typeof WorkerRequest.Type
