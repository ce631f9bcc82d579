import * as Worker from "@effect/platform/Worker"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import { Context, Effect, Layer, Scope } from "effect"
import type { PipelineDocument } from "../../domain/document.ts"
import { stages } from "../../stages/index.ts"
import { runPureParts, type PureResult } from "../../stages/pure.ts"
import { Settings } from "../config.ts"
import { PureChunk } from "./protocol.ts"
import { siblingModule, spawnModule } from "./spawn.ts"

export class WorkerFailed extends Error {}

/**
 * Old-generation heap of one worker. Left to itself V8 lets each thread's heap grow to hundreds of
 * MB of garbage before collecting; a bound makes it collect sooner. Chunks are a few MB, and the
 * largest document (ACERVO_MAX_DOCUMENT_BYTES, 16 MB) fits many times over.
 */
const WORKER_HEAP_MB = 384

/** Runs every stage's pure part on a chunk: in a pool of worker threads, or in place with none. */
export interface PureWork {
  /** Worker threads; 0 when the pure parts run on the calling thread. */
  readonly size: number
  /** `configs[i]` is the configuration of `names[i]`, a stage of the stage list. */
  readonly run: (names: ReadonlyArray<string>, configs: ReadonlyArray<unknown>, documents: ReadonlyArray<PipelineDocument>) => Effect.Effect<PureResult>
}

export class PurePool extends Context.Tag("acervo/PurePool")<PurePool, PureWork>() {}

const inPlace = (names: ReadonlyArray<string>, configs: ReadonlyArray<unknown>, documents: ReadonlyArray<PipelineDocument>) =>
  Effect.sync(() => runPureParts(stages.filter((s) => names.includes(s.name)), configs)(documents))

/**
 * `ACERVO_WORKERS` threads, started on the first chunk (a command that processes nothing starts
 * none) and stopped with the layer. A worker's failure is a defect: the run stops with the chunk
 * uncommitted, and the next run does it again.
 */
export const purePoolLayer = Layer.scoped(
  PurePool,
  Effect.gen(function* () {
    const { workers } = yield* Settings
    if (workers === 0) return { size: 0, run: inPlace }
    const scope = yield* Effect.scope
    const pool = yield* Effect.cached(
      Worker.makePoolSerialized<PureChunk>({ size: workers }).pipe(
        Effect.provide(NodeWorker.layer(() => spawnModule(siblingModule(import.meta.url, "worker"), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } }))),
        Scope.extend(scope)
      )
    )
    return {
      size: workers,
      run: (names, configs, documents) =>
        pool.pipe(
          Effect.flatMap((p) => p.executeEffect(new PureChunk({ stages: names, configs, documents }))),
          Effect.map((r) => r as PureResult),
          Effect.orDieWith((e) => new WorkerFailed(`a worker failed on a chunk: ${typeof e === "string" ? e : String(e)}`))
        )
    } satisfies PureWork
  })
)
