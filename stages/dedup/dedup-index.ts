import { Context, Data, type Effect } from "effect"
import type { SurvivorFacts } from "../../domain/document.ts"
import type { ShingleSet } from "./minhash.ts"

export class DedupIndexError extends Data.TaggedError("DedupIndexError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `near-duplicate index: ${this.operation} failed: ${detail}`
  }
}

/** A document in the LSH index, with what near-duplicate verification needs. */
export interface IndexedDocument {
  readonly recordId: string
  readonly status: string
  readonly duplicateOf: string | null
}

export interface StoredSurvivor {
  readonly facts: SurvivorFacts
  readonly dedupKey: string
}

/** A document the index takes in: a survivor, or a near-duplicate copy that stands for its text too. */
export interface IndexEntry {
  readonly recordId: string
  readonly dedupKey: string
  /** The cluster's survivor (itself when it is the survivor). */
  readonly survivor: string
  readonly buckets: ReadonlyArray<number>
  readonly shingles: ShingleSet | undefined
}

/** A survivor that the rule now ranks below a copy of this run. */
export interface Demotion {
  readonly recordId: string
  readonly survivor: string
  readonly code: "exact-duplicate" | "near-duplicate"
  readonly similarity: number
  readonly detail: string
}

/**
 * The near-duplicate index every batch ever submitted is compared against: dedup keys, LSH buckets
 * and the shingles of indexed documents. Declared here, implemented by the catalog.
 */
export interface DedupIndexService {
  /** The MinHash parameters the index was built with (canonical JSON); undefined while empty. */
  readonly builtWith: Effect.Effect<string | undefined, DedupIndexError>
  readonly recordParams: (paramsJson: string) => Effect.Effect<void, DedupIndexError>
  readonly survivorsByKey: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, string>, DedupIndexError>
  readonly candidates: (buckets: ReadonlyArray<number>) => Effect.Effect<ReadonlyArray<{ readonly bucket: number; readonly recordId: string }>, DedupIndexError>
  readonly documents: (recordIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<IndexedDocument>, DedupIndexError>
  /** Stored shingles by record id; documents indexed before shingles were kept come back as their text. */
  readonly shingles: (recordIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<{ readonly recordId: string; readonly shingles?: ShingleSet; readonly text?: string }>, DedupIndexError>
  readonly survivorFacts: (recordIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<StoredSurvivor>, DedupIndexError>
  /** Inside the chunk's transaction. */
  readonly add: (entries: ReadonlyArray<IndexEntry>) => Effect.Effect<void, DedupIndexError>
  readonly demote: (demotions: ReadonlyArray<Demotion>) => Effect.Effect<void, DedupIndexError>
  /** Takes withdrawn documents out: their buckets, shingles, and the keys they stood for. */
  readonly remove: (entries: ReadonlyArray<{ readonly recordId: string; readonly buckets: ReadonlyArray<number> }>) => Effect.Effect<void, DedupIndexError>
  /** A new survivor stands for the keys an old one stood for. */
  readonly reassign: (from: string, to: string) => Effect.Effect<void, DedupIndexError>
}

export class DedupIndex extends Context.Tag("acervo/DedupIndex")<DedupIndex, DedupIndexService>() {}
