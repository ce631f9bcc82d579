import { Cause, Console, Context, Deferred, Duration, Effect, Exit, Layer, Option, Queue } from "effect"
import { Batches, type BatchListRow } from "../../catalog/batches.ts"
import { releaseProfiles } from "../../licenses/profiles.ts"
import { Settings } from "../config.ts"
import { UsageError, type RunLocked } from "../errors.ts"
import { writeRelease } from "../release.ts"
import { processBatch } from "../run.ts"
import { withRunLock } from "../run-lock.ts"
import type { BatchProcessing, BatchState } from "./api.ts"
import { ServerConfig } from "./config.ts"

/** Longest wait between two tries of a batch whose run keeps failing. */
const MAX_RETRY_SECONDS = 3600

interface Failure {
  readonly at: string
  readonly attempts: number
  readonly retryAt: number
}

/**
 * The intake server's background work: uploaded batches processed one run at a time, each under
 * the catalog's run lock, and the server's release refreshed after them and after withdrawals.
 */
export interface IntakeWork {
  /** Whether this server processes batches (false: `--no-process`, the operator's `acervo run` does). */
  readonly processes: boolean
  /** The release this server writes, if any. */
  readonly release: string | undefined
  /** A batch was registered: look for work now rather than at the next poll. */
  readonly wake: Effect.Effect<void>
  /**
   * Runs `effect` (a withdrawal) with the catalog to itself: a background run under way gives way
   * (interrupted, it resumes after), then the run lock is taken as `acervo withdraw` takes it.
   * `changed` is the batch it changes, whose next release the server then writes.
   */
  readonly exclusive: <A, E, R>(effect: Effect.Effect<A, E, R>, changed: number) => Effect.Effect<A, E | RunLocked, R>
  /** Where a batch is: its state, progress and result, from its catalog counts and this server's runs. */
  readonly processing: (row: BatchListRow) => BatchProcessing
}

export class Intake extends Context.Tag("acervo/Intake")<Intake, IntakeWork>() {}

const backoff = (retrySeconds: number, attempts: number) => Math.min(retrySeconds * 2 ** (attempts - 1), MAX_RETRY_SECONDS) * 1000

const stateOf = (row: BatchListRow, current: number | undefined, failed: boolean): BatchState => {
  if (row.pending === 0 && row.withdrawn > 0 && row.withdrawn === row.kept + row.excluded) return "withdrawn"
  if (current === row.seq) return "processing"
  if (row.pending === 0) return "processed"
  return failed ? "failed" : "waiting"
}

export const intakeLayer = Layer.scoped(
  Intake,
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const settings = yield* Settings
    const catalog = yield* Batches
    const release = Option.getOrUndefined(config.release)
    const profiles = Option.getOrElse(config.releaseProfiles, () => settings.profiles)
    if (release !== undefined) {
      if (!config.process) {
        return yield* new UsageError({ message: "--release needs the server to process batches; leave out --no-process, or write releases with `acervo run --release`" })
      }
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(release)) {
        return yield* new UsageError({ message: `--release "${release}": a release name uses letters, digits, '.', '_' and '-' only` })
      }
      const unknown = profiles.filter((p) => !releaseProfiles.some((k) => k.name === p))
      if (unknown.length > 0) {
        return yield* new UsageError({ message: `unknown release profile(s) ${unknown.join(", ")}; known: ${releaseProfiles.map((p) => p.name).join(", ")}` })
      }
    }

    // Plain mutable state: every change below happens in one synchronous step, never across a yield.
    const state = {
      /** The batch a background run is processing now. */
      current: undefined as number | undefined,
      /** Completed by a withdrawal that wants the catalog; the run under way then gives way. */
      preempt: undefined as Deferred.Deferred<void> | undefined,
      /** Withdrawals waiting for the catalog: no background run starts meanwhile. */
      preempting: 0,
      failures: new Map<number, Failure>(),
      /** A counter of changes to batches (processed, withdrawn), and the last change of each batch. */
      change: 0,
      changes: new Map<number, number>(),
      /** The change counter when the last release that succeeded started (-1: none written yet by this server). */
      released: -1,
      releasedAt: undefined as string | undefined,
      releaseFailures: 0,
      releaseRetryAt: 0
    }
    const changed = (seq: number) => {
      state.change++
      state.changes.set(seq, state.change)
    }
    const permit = yield* Effect.makeSemaphore(1)
    const wakeUp = yield* Queue.sliding<void>(1)
    const wake = Queue.offer(wakeUp, undefined).pipe(Effect.asVoid)
    const info = (line: string) => (config.logRequests ? Console.log(`${new Date().toISOString()} ${line}`) : Effect.void)

    /**
     * One background run under the run lock, unless a withdrawal is waiting. A withdrawal that
     * arrives meanwhile interrupts it: chunks committed stay committed, and the next run resumes
     * after them, as after a killed `acervo run`.
     */
    const turn = <A, E, R>(effect: Effect.Effect<A, E, R>, seq: number | undefined) =>
      permit.withPermits(1)(
        Effect.gen(function* () {
          const preempt = yield* Deferred.make<void>()
          const started = yield* Effect.sync(() => {
            if (state.preempting > 0) return false
            state.preempt = preempt
            state.current = seq
            return true
          })
          if (!started) return { _tag: "GaveWay" } as const
          return yield* Effect.raceFirst(
            Effect.map(Effect.exit(withRunLock(settings.home, effect)), (exit) => ({ _tag: "Ran", exit }) as const),
            Effect.as(Deferred.await(preempt), { _tag: "GaveWay" } as const)
          ).pipe(
            Effect.ensuring(
              Effect.sync(() => {
                state.preempt = undefined
                state.current = undefined
              })
            )
          )
        })
      )

    const locked = (cause: Cause.Cause<unknown>) =>
      Option.exists(Cause.failureOption(cause), (e) => (e as { _tag?: string })._tag === "RunLocked")

    const processOne = (row: BatchListRow) =>
      Effect.gen(function* () {
        const name = `${row.institution}/${row.batch_id}`
        const t0 = Date.now()
        const outcome = yield* turn(processBatch(row.seq), row.seq)
        if (outcome._tag === "GaveWay") return "stop" as const
        const exit = outcome.exit
        if (Exit.isSuccess(exit)) {
          state.failures.delete(row.seq)
          changed(row.seq)
          const s = exit.value
          yield* info(`processed ${name}: ${s.files} file(s), ${s.kept} kept, ${s.documents - s.kept} excluded in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
          return "done" as const
        }
        if (Cause.isInterruptedOnly(exit.cause)) return "stop" as const
        if (locked(exit.cause)) return "locked" as const
        // A failed run keeps the chunks it committed; the batch waits for its retry, the others go on.
        changed(row.seq)
        const attempts = (state.failures.get(row.seq)?.attempts ?? 0) + 1
        const at = new Date()
        const retryAt = at.getTime() + backoff(config.retrySeconds, attempts)
        state.failures.set(row.seq, { at: at.toISOString(), attempts, retryAt })
        yield* Console.error(
          `${at.toISOString()} acervo serve: processing ${name} failed (attempt ${attempts}; next try at ${new Date(retryAt).toISOString()}): ${Cause.pretty(exit.cause)}`
        )
        return "failed" as const
      })

    const refreshRelease = (name: string) =>
      Effect.gen(function* () {
        const from = state.change
        const t0 = Date.now()
        const outcome = yield* turn(writeRelease({ name, outDir: config.releaseOut, profiles }), undefined)
        if (outcome._tag === "GaveWay") return
        const exit = outcome.exit
        if (Exit.isSuccess(exit)) {
          state.released = from
          state.releasedAt = exit.value.manifest.created
          state.releaseFailures = 0
          yield* info(`release ${name} written: ${exit.value.dir} (${exit.value.manifest.totals.documents} documents, ${exit.value.manifest.withdrawn} withdrawn) in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
          return
        }
        if (Cause.isInterruptedOnly(exit.cause) || locked(exit.cause)) return
        state.releaseFailures++
        state.releaseRetryAt = Date.now() + backoff(config.retrySeconds, state.releaseFailures)
        yield* Console.error(`${new Date().toISOString()} acervo serve: writing release ${name} failed (next try at ${new Date(state.releaseRetryAt).toISOString()}): ${Cause.pretty(exit.cause)}`)
      })

    /** Every batch with files to read, oldest first, then the release if anything changed. */
    const pass = Effect.gen(function* () {
      const rows = yield* catalog.batches
      for (const row of rows) {
        if (row.pending === 0) {
          state.failures.delete(row.seq)
          continue
        }
        const failure = state.failures.get(row.seq)
        if (failure && failure.retryAt > Date.now()) continue
        const outcome = yield* processOne(row)
        // Another process holds the lock, or a withdrawal wants the catalog: try again later.
        if (outcome === "stop" || outcome === "locked") return
      }
      if (release !== undefined && rows.length > 0 && state.change > state.released && Date.now() >= state.releaseRetryAt) yield* refreshRelease(release)
    }).pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Console.error(`${new Date().toISOString()} acervo serve: background work failed, tried again in ${config.pollSeconds} s: ${Cause.pretty(cause)}`)
      )
    )

    if (config.process) {
      yield* Effect.forkScoped(
        Effect.forever(Effect.zipRight(pass, Effect.ignore(Effect.timeout(Queue.take(wakeUp), Duration.seconds(config.pollSeconds)))))
      )
    }

    const exclusive = <A, E, R>(effect: Effect.Effect<A, E, R>, batch: number) =>
      Effect.gen(function* () {
        const preempt = yield* Effect.sync(() => {
          state.preempting++
          return state.preempt
        })
        if (preempt) yield* Deferred.succeed(preempt, undefined)
        const result = yield* permit.withPermits(1)(withRunLock(settings.home, effect))
        changed(batch)
        return result
      }).pipe(
        Effect.ensuring(
          Effect.zipRight(
            Effect.sync(() => state.preempting--),
            wake
          )
        )
      )

    const processing = (row: BatchListRow): BatchProcessing => {
      const failure = row.pending > 0 ? state.failures.get(row.seq) : undefined
      const last = state.changes.get(row.seq) ?? 0
      return {
        state: stateOf(row, state.current, failure !== undefined),
        by: config.process ? "server" : "operator",
        files_done: row.files - row.pending,
        files_total: row.files,
        kept: row.kept,
        excluded: row.excluded,
        error: failure
          ? {
              reason: "processing-failed",
              message: `processing stopped on an error after ${row.files - row.pending} of ${row.files} file(s) (${failure.at}, attempt ${failure.attempts}); the server logged it and tries again at ${new Date(failure.retryAt).toISOString()}; the operator can see why`,
              at: failure.at,
              retry_at: new Date(failure.retryAt).toISOString()
            }
          : null,
        release:
          release === undefined
            ? null
            : {
                name: release,
                state: last > state.released ? (state.releaseFailures > 0 ? "failed" : "pending") : "current",
                written_at: state.releasedAt ?? null
              }
      }
    }

    return { processes: config.process, release, wake, exclusive, processing } satisfies IntakeWork
  })
)
