import type { Config, Effect } from "effect"
import type { PipelineDocument, StageName, StageOutcome } from "../domain/document.ts"

/** A field a stage adds to every released record, under `annotations[name]` of the document. */
export interface RecordField {
  readonly name: string
  readonly description: string
  /** Croissant / JSON data type of the value: whole numbers are `integer`. */
  readonly type: "integer" | "number" | "string"
  /** Summed into the manifest's totals, overall and by language, profile and institution. */
  readonly total?: boolean
}

/** What the runner tells a stateful stage about the run it is part of. */
export interface RunContext {
  /** The run's start: one clock for every document of the run (consent expiry). */
  readonly startedAt: Date
}

/** What settling a chunk changed beyond its outcomes, counted in the run's ledger entry (e.g. `demoted`). */
export interface Settled {
  readonly outcomes: ReadonlyArray<StageOutcome>
  readonly counts?: Readonly<Record<string, number>>
}

/** The part of a stateful stage that works on a run's chunks, one after the other. */
export interface ChunkWork<R = never, E = never> {
  readonly process: (chunk: ReadonlyArray<PipelineDocument>) => Effect.Effect<ReadonlyArray<StageOutcome>, E, R>
  /**
   * After every stage judged the chunk: settle what depends on the later stages' verdicts. `rejudge`
   * runs the stateful stages after this one on one document again.
   */
  readonly settle?: <E2, R2>(
    outcomes: ReadonlyArray<StageOutcome>,
    rejudge: (doc: PipelineDocument) => Effect.Effect<StageOutcome, E2, R2>
  ) => Effect.Effect<Settled, E | E2, R | R2>
  /** Inside the chunk's transaction, after its documents are saved: what the stage keeps (an index). */
  readonly commit?: (outcomes: ReadonlyArray<StageOutcome>) => Effect.Effect<void, E, R>
}

/**
 * One step of the pipeline. A stage never drops a document silently: it is kept (possibly flagged)
 * or excluded with a reason code and a detail.
 *
 * - `pure` is work on one document that needs nothing but the document and the stage's
 *   configuration. The runner runs it in a worker thread, so the configuration must be plain data.
 * - `stateful` is work that needs what came before (an index, the order of submission). `prepare`
 *   runs once before a run and returns the stage's chunk work, which runs on the main fiber, a chunk
 *   at a time in submission order, after every stage's pure part.
 */
export interface Stage<C = unknown, R = never, E = never> {
  readonly name: StageName
  readonly config: Config.Config<C>
  readonly describe: (config: C) => string
  readonly pure?: (config: C) => (doc: PipelineDocument) => StageOutcome
  readonly prepare?: (config: C, run: RunContext) => Effect.Effect<ChunkWork<R, E>, E, R>
  /** Fields this stage adds to the released record. */
  readonly record?: ReadonlyArray<RecordField>
}

/** A stage with its configuration type forgotten, as the stage list holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStage<R = never, E = never> = Stage<any, R, E>

/** Declares a stage, keeping its configuration type for its own functions. */
export const defineStage = <C, R = never, E = never>(stage: Stage<C, R, E>): Stage<C, R, E> => stage
