import * as Worker from "@effect/platform/Worker"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import { Context, Effect, Layer, Scope } from "effect"
import type { PipelineDocument } from "../../domain/document.ts"
import { stages } from "../../stages/index.ts"
import { runPureParts, type PureResult } from "../../stages/pure.ts"
import { Settings } from "../config.ts"
import { recordLines, type LineBatch, type RecordLines } from "../../stages/shard/lines.ts"
import { ParquetShard, PureChunk, RecordLinesBatch, type WorkerRequest } from "./protocol.ts"
import { writeParquetShard } from "../../stages/shard/parquet.ts"
import { recordColumns } from "../../stages/index.ts"
import { siblingModule, spawnModule } from "./spawn.ts"

export class WorkerFailed extends Error {}

/**
 * Old-generation heap of one worker. Left to itself V8 lets each thread's heap grow to hundreds of
 * MB of garbage before collecting; a bound makes it collect sooner. Chunks are a few MB, and the
 * largest document (ACERVO_MAX_DOCUMENT_BYTES, 16 MB) fits many times over.
 */
const WORKER_HEAP_MB = 384

/**
 * The pipeline's pure work, in a pool of worker threads or in place with none: every stage's pure
 * part on a chunk (processing), and a batch's shard lines (release).
 */
export interface PureWork {
  /** Worker threads; 0 when the pure work runs on the calling thread. */
  readonly size: number
  /** `configs[i]` is the configuration of `names[i]`, a stage of the stage list. */
  readonly run: (names: ReadonlyArray<string>, configs: ReadonlyArray<unknown>, documents: ReadonlyArray<PipelineDocument>) => Effect.Effect<PureResult>
  readonly lines: (batch: LineBatch) => Effect.Effect<RecordLines>
  /** Writes the Parquet twin of a finished `.jsonl.gz` shard. */
  readonly parquet: (jsonl: string, parquet: string) => Effect.Effect<{ readonly records: number }>
}

export class PurePool extends Context.Tag("acervo/PurePool")<PurePool, PureWork>() {}

const inPlace = (names: ReadonlyArray<string>, configs: ReadonlyArray<unknown>, documents: ReadonlyArray<PipelineDocument>) =>
  Effect.sync(() => runPureParts(stages.filter((s) => names.includes(s.name)), configs)(documents))

/**
 * `ACERVO_WORKERS` threads, started on first use (a command that processes and releases nothing
 * starts none) and stopped with the layer. A worker's failure is a defect: the run stops with the
 * chunk uncommitted, and the next run does it again; a release removes its staging folder.
 */
export const purePoolLayer = Layer.scoped(
  PurePool,
  Effect.gen(function* () {
    const { workers } = yield* Settings
    if (workers === 0) {
      return {
        size: 0,
        run: inPlace,
        lines: (batch) => Effect.sync(() => recordLines(batch)),
        parquet: (jsonl, parquet) => Effect.promise(() => writeParquetShard(jsonl, parquet, recordColumns()))
      } satisfies PureWork
    }
    const scope = yield* Effect.scope
    const pool = yield* Effect.cached(
      Worker.makePoolSerialized<WorkerRequest>({ size: workers }).pipe(
        Effect.provide(NodeWorker.layer(() => spawnModule(siblingModule(import.meta.url, "worker"), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } }))),
        Scope.extend(scope)
      )
    )
    const execute = (request: WorkerRequest, what: string) =>
      pool.pipe(
        Effect.flatMap((p) => p.executeEffect(request)),
        Effect.orDieWith((e) => new WorkerFailed(`a worker failed on ${what}: ${typeof e === "string" ? e : String(e)}`))
      )
    return {
      size: workers,
      run: (names, configs, documents) => execute(new PureChunk({ stages: names, configs, documents }), "a chunk").pipe(Effect.map((r) => r as PureResult)),
      lines: (batch) => execute(new RecordLinesBatch({ batch }), "a release batch").pipe(Effect.map((r) => r as RecordLines)),
      parquet: (jsonl, parquet) => execute(new ParquetShard({ jsonl, parquet }), `the Parquet twin of ${jsonl}`).pipe(Effect.map((r) => r as { records: number }))
    } satisfies PureWork
  })
)
