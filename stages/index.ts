import type { DedupIndex, DedupIndexError } from "./dedup/dedup-index.ts"
import { dedupStage } from "./dedup/dedup.ts"
import { gateStage } from "./gate/gate.ts"
import { langidStage } from "./langid/langid.ts"
import { normalizeStage } from "./normalize/normalize.ts"
import { piiStage } from "./pii/pii.ts"
import { qualityStage } from "./quality/quality.ts"
import { columnsOf, type Column } from "./shard/columns.ts"
import { releaseRecordSchema } from "./shard/record.ts"
import { recordEncoder } from "./shard/record-json.ts"
import type { AnyStage, RecordField } from "./stage.ts"
import { tokensStage } from "./tokens/tokens.ts"

/** What the stateful stages need from the house: the services they declare. */
export type StageServices = DedupIndex
export type StageError = DedupIndexError

/**
 * The per-document stages, in order, between ingest (the readers) and shard (the release phase).
 * Every stage's pure part runs first, in this order, in the worker pool; then the stateful parts
 * in this order on the main fiber. A new stage is one module added here.
 */
export const stages: ReadonlyArray<AnyStage<StageServices, StageError>> = [normalizeStage, langidStage, piiStage, qualityStage, tokensStage, dedupStage, gateStage]

/** The fields stages add to the released record, in the stage list's order. */
export const recordFields: ReadonlyArray<RecordField> = stages.flatMap((s) => s.record ?? [])

let columns: ReadonlyArray<Column> | undefined
/** The released record's columns, fixed fields then the stages' declared ones: one schema for every output format. */
export const recordColumns = (): ReadonlyArray<Column> => (columns ??= columnsOf(releaseRecordSchema(recordFields)))

let encoder: ((record: unknown) => string) | undefined
/** A released record as its one JSON line: what the shard writer writes and `audit verify` expects. */
export const encodeReleaseRecord = (record: unknown): string => (encoder ??= recordEncoder(recordColumns()))(record)

/** Stage names as the command line and the catalog use them: ingest, the list, then shard. */
export const allStageNames: ReadonlyArray<string> = ["ingest", ...stages.map((s) => s.name), "shard"]
