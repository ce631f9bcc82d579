import { Context, Effect, Exit, Layer, Queue } from "effect"
import type { Worker as ThreadWorker } from "node:worker_threads"
import { excluded, type PipelineDocument } from "../../domain/document.ts"
import { recordColumns, stages } from "../../stages/index.ts"
import { writeParquetShard } from "../../stages/shard/parquet.ts"
import { runPureParts, type PureResult, type PureStageStats } from "../../stages/pure.ts"
import type { AnyStage } from "../../stages/stage.ts"
import { recordLines, type LineBatch, type RecordLines } from "../../stages/shard/lines.ts"
import { Settings } from "../config.ts"
import { PROGRESS_DOCUMENT, PROGRESS_SLOTS, PROGRESS_STAGE, PROGRESS_STARTED, type PureWorkerData, type WorkerReply, type WorkerRequest } from "./protocol.ts"
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
  /**
   * `configs[i]` is the configuration of `names[i]`, a stage with a pure part, in the stage list's
   * order. A document that takes longer than ACERVO_DOCUMENT_TIMEOUT_SECONDS in one stage comes
   * back excluded as `timeout` by that stage.
   */
  readonly run: (names: ReadonlyArray<string>, configs: ReadonlyArray<unknown>, documents: ReadonlyArray<PipelineDocument>) => Effect.Effect<PureResult>
  readonly lines: (batch: LineBatch) => Effect.Effect<RecordLines>
  /** Writes the Parquet twin of a finished `.jsonl.gz` shard. */
  readonly parquet: (jsonl: string, parquet: string) => Effect.Effect<{ readonly records: number }>
}

export class PurePool extends Context.Tag("acervo/PurePool")<PurePool, PureWork>() {}

export interface PurePoolOptions {
  /** A module whose `stages` export the pure parts are taken from instead of the stage list (tests add a stage). */
  readonly stagesModule?: URL
}

type PureStage = Pick<AnyStage, "name" | "pure">

const named = (list: ReadonlyArray<PureStage>, names: ReadonlyArray<string>) =>
  names.map((name) => {
    const stage = list.find((s) => s.name === name)
    if (!stage) throw new Error(`the stage list has no stage "${name}"`)
    return stage
  })

const stageListOf = (options: PurePoolOptions): Effect.Effect<ReadonlyArray<PureStage>> =>
  options.stagesModule === undefined ? Effect.succeed(stages) : Effect.promise(async () => ((await import(options.stagesModule!.href)) as { stages: ReadonlyArray<PureStage> }).stages)

const inPlace = (options: PurePoolOptions): PureWork => {
  const list = stageListOf(options)
  return {
    size: 0,
    run: (names, configs, documents) => Effect.map(list, (l) => runPureParts(named(l, names), configs)(documents)),
    lines: (batch) => Effect.sync(() => recordLines(batch)),
    parquet: (jsonl, parquet) => Effect.promise(() => writeParquetShard(jsonl, parquet, recordColumns()))
  }
}

/** One worker thread and the request it is working on. */
interface Thread {
  readonly worker: ThreadWorker
  readonly progress: BigInt64Array
  /** Settles the request in flight. */
  settle: ((outcome: Outcome) => void) | undefined
  /** Exited, or stopped: never given another request. */
  gone: boolean
}

type Outcome = WorkerReply | { readonly _tag: "Exited"; readonly message: string }

/** What one try at a chunk came to. */
type Attempt =
  | Outcome
  | { readonly _tag: "TimedOut"; readonly stage: number; readonly document: number }
  /** The worker was stopped just as the overdue document finished: nothing to blame, the chunk goes again. */
  | { readonly _tag: "Again" }

const noStats = (names: ReadonlyArray<string>): Array<PureStageStats> => names.map((stage) => ({ stage, documents: 0, characters: 0, millis: 0, excluded: {} }))

/** The rest of a chunk's result with the document that timed out put back in its place, excluded. */
const withTimedOut = (rest: PureResult, names: ReadonlyArray<string>, attempt: { stage: number; document: number }, doc: PipelineDocument, seconds: number): PureResult => {
  const stage = names[attempt.stage]!
  const outcome = excluded(doc, stage, "timeout", `took longer than ${seconds} s in the ${stage} stage (ACERVO_DOCUMENT_TIMEOUT_SECONDS); the worker thread running it was stopped`)
  return {
    outcomes: [...rest.outcomes.slice(0, attempt.document), outcome, ...rest.outcomes.slice(attempt.document)],
    stats: rest.stats.map((s, k): PureStageStats => {
      if (k > attempt.stage) return s
      const counted = { ...s, documents: s.documents + 1, characters: s.characters + doc.text.length }
      return k < attempt.stage ? counted : { ...counted, millis: s.millis + seconds * 1000, excluded: { ...s.excluded, timeout: (s.excluded["timeout"] ?? 0) + 1 } }
    })
  }
}

/**
 * `ACERVO_WORKERS` threads, started on first use (a command that processes and releases nothing
 * starts none) and stopped with the layer.
 *
 * Each thread writes into memory shared with the pool which document it is on in which stage, and
 * since when. A document in one stage for longer than ACERVO_DOCUMENT_TIMEOUT_SECONDS is what only
 * stopping its thread can end (a busy loop, a backtracking regular expression): the pool terminates
 * the thread, starts another in its place, excludes the document as `timeout` and processes the
 * rest of its chunk again. Pure work is a function of one document, so the result is the chunk's
 * without that document, for any number of workers and chunk size.
 *
 * Only a thread can be stopped, so with a timeout the pure stages run in at least one worker
 * thread even when ACERVO_WORKERS is 0; with ACERVO_DOCUMENT_TIMEOUT_SECONDS=0 as well they run in
 * place. A worker's own failure (a stage that throws) is a defect: the run stops with the chunk
 * uncommitted, and the next run does it again; a release removes its staging folder.
 */
export const purePoolLayerWith = (options: PurePoolOptions = {}) =>
  Layer.scoped(
    PurePool,
    Effect.gen(function* () {
      const { workers, documentTimeoutSeconds: seconds } = yield* Settings
      if (workers === 0 && seconds === 0) return inPlace(options)
      const size = Math.max(1, workers)
      const timeoutNs = BigInt(Math.round(seconds * 1e9))
      const pollMillis = Math.min(1000, Math.max(10, seconds * 100))
      const workerModule = siblingModule(import.meta.url, "worker")
      const idle = yield* Queue.unbounded<Thread>()
      const threads = new Set<Thread>()
      let closed = false

      const spawn = (): Thread => {
        const progress = new BigInt64Array(new SharedArrayBuffer(PROGRESS_SLOTS * BigInt64Array.BYTES_PER_ELEMENT))
        const workerData: PureWorkerData = { progress: progress.buffer as SharedArrayBuffer, stagesModule: options.stagesModule?.href }
        const worker = spawnModule(workerModule, { workerData, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } })
        const thread: Thread = { worker, progress, settle: undefined, gone: false }
        const settle = (outcome: Outcome) => {
          const waiting = thread.settle
          thread.settle = undefined
          waiting?.(outcome)
        }
        worker.on("message", (reply: WorkerReply) => settle(reply))
        worker.on("messageerror", (e: Error) => {
          thread.gone = true
          settle({ _tag: "Exited", message: `its reply could not be read: ${e.message}` })
        })
        worker.on("error", (e: Error) => {
          thread.gone = true
          settle({ _tag: "Exited", message: e.message })
        })
        worker.on("exit", (code) => {
          thread.gone = true
          settle({ _tag: "Exited", message: `the worker thread exited with code ${code}` })
        })
        threads.add(thread)
        return thread
      }
      const stop = (thread: Thread) => {
        thread.gone = true
        threads.delete(thread)
        return thread.worker.terminate()
      }
      yield* Effect.addFinalizer(() =>
        Effect.promise(() => {
          closed = true
          return Promise.all([...threads].map(stop))
        })
      )
      const started = yield* Effect.cached(Effect.suspend(() => Queue.offerAll(idle, Array.from({ length: size }, spawn))))

      const withThread = <A>(use: (thread: Thread) => Effect.Effect<A>) =>
        Effect.zipRight(
          started,
          Effect.acquireUseRelease(Queue.take(idle), use, (thread, exit) =>
            !thread.gone && Exit.isSuccess(exit)
              ? Queue.offer(idle, thread)
              : // Stopped, exited, or left busy by an interruption (its next reply would answer the wrong request).
                Effect.promise(() => stop(thread)).pipe(Effect.zipRight(closed ? Effect.void : Queue.offer(idle, spawn())))
          )
        )

      const ask = (thread: Thread, request: WorkerRequest) =>
        Effect.async<Outcome>((resume) => {
          if (thread.gone) return resume(Effect.succeed({ _tag: "Exited", message: "the worker thread had exited" }))
          thread.settle = (outcome) => resume(Effect.succeed(outcome))
          thread.worker.postMessage(request)
          return Effect.sync(() => {
            thread.settle = undefined
          })
        })

      /** When the document in progress entered its stage, once that is longer ago than the timeout. */
      const overdue = (thread: Thread) =>
        Effect.gen(function* () {
          for (;;) {
            yield* Effect.sleep(pollMillis)
            const since = Atomics.load(thread.progress, PROGRESS_STARTED)
            if (since !== 0n && process.hrtime.bigint() - since > timeoutNs) return { _tag: "Overdue" as const, since }
          }
        })

      const stopOverdue = (thread: Thread, since: bigint) =>
        Effect.promise(() => stop(thread)).pipe(
          Effect.map((): Attempt => {
            if (Atomics.load(thread.progress, PROGRESS_STARTED) !== since) return { _tag: "Again" }
            return { _tag: "TimedOut", stage: Number(Atomics.load(thread.progress, PROGRESS_STAGE)), document: Number(Atomics.load(thread.progress, PROGRESS_DOCUMENT)) }
          })
        )

      const attempt = (thread: Thread, request: WorkerRequest): Effect.Effect<Attempt> =>
        seconds === 0
          ? ask(thread, request)
          : Effect.race(ask(thread, request), overdue(thread)).pipe(Effect.flatMap((first) => (first._tag === "Overdue" ? stopOverdue(thread, first.since) : Effect.succeed(first))))

      const failed = (what: string, message: string) => Effect.die(new WorkerFailed(`a worker failed on ${what}: ${message}`))

      const run = (names: ReadonlyArray<string>, configs: ReadonlyArray<unknown>, documents: ReadonlyArray<PipelineDocument>): Effect.Effect<PureResult> =>
        Effect.gen(function* () {
          if (documents.length === 0) return { outcomes: [], stats: noStats(names) }
          const result = yield* withThread((thread) => attempt(thread, { _tag: "PureChunk", stages: names, configs, documents }))
          switch (result._tag) {
            case "Done":
              return result.value as PureResult
            case "Again":
              return yield* run(names, configs, documents)
            case "TimedOut": {
              const rest = yield* run(names, configs, documents.filter((_, i) => i !== result.document))
              return withTimedOut(rest, names, result, documents[result.document]!, seconds)
            }
            default:
              return yield* failed("a chunk", result.message)
          }
        })

      const lines = (batch: LineBatch) =>
        withThread((thread) => ask(thread, { _tag: "RecordLinesBatch", batch })).pipe(
          Effect.flatMap((result) => (result._tag === "Done" ? Effect.succeed(result.value as RecordLines) : failed("a release batch", result.message)))
        )

      const parquet = (jsonl: string, target: string) =>
        withThread((thread) => ask(thread, { _tag: "ParquetShard", jsonl, parquet: target })).pipe(
          Effect.flatMap((result) => (result._tag === "Done" ? Effect.succeed(result.value as { records: number }) : failed(`the Parquet twin of ${jsonl}`, result.message)))
        )

      return { size, run, lines, parquet } satisfies PureWork
    })
  )

export const purePoolLayer = purePoolLayerWith()
