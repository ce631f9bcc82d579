import type { Consent, DocumentFields } from "./batch-schema.ts"

/** A stage's name, as the stage list declares it (`ingest`, `normalize`, …, `shard`). */
export type StageName = string

/** Where a document came from, as an auditor would trace it back. */
export interface SourceRef {
  readonly institution: string
  readonly batch: string
  readonly batchSeq: number
  readonly document: string
  readonly path: string
  /** Line number for JSONL documents (1-based), 0 for whole files. */
  readonly line: number
}

/** A kept-but-marked document (`lang-mismatch`, `encoding-repaired`, …), recorded like an exclusion. */
export interface Note {
  readonly stage: StageName
  readonly code: string
  readonly detail: string
}

export interface LanguageResult {
  readonly lang: string
  readonly score: number | null
  readonly langs: Readonly<Record<string, number>>
  readonly declared: string | null
  readonly detected: string
}

export interface GateResult {
  readonly license: string
  readonly licenseUse: string
  readonly attribution: boolean
  readonly profiles: ReadonlyArray<string>
}

/** A document as it moves through the stages; each stage fills in its own part. */
export interface PipelineDocument {
  readonly recordId: string
  /** The catalog's file this document was read from. */
  readonly fileId: number
  readonly source: SourceRef
  readonly fields: DocumentFields
  readonly fileSha256: string
  readonly rawBytes: number
  readonly encoding: string
  readonly text: string
  readonly flags: ReadonlyArray<Note>
  readonly textSha256?: string
  readonly dedupKey?: string
  readonly language?: LanguageResult
  readonly duplicateOf?: string
  /** Jaccard similarity with the closest copy in its duplicate cluster (1 for an exact copy). */
  readonly similarity?: number
  /** The document's LSH buckets, indexed when it is kept or merged as a near-duplicate. */
  readonly lshBuckets?: ReadonlyArray<number>
  /** The duplicate cluster the dedup stage put it in, best copy first. */
  readonly cluster?: DedupCluster
  readonly gate?: GateResult
  /** Redactions by type (`EMAIL`, `PHONE`, `ID-CL-RUT`, …). */
  readonly pii?: Readonly<Record<string, number>>
  /** Quality measurements the quality stage took. */
  readonly quality?: Readonly<Record<string, number>>
  /** The document's word shingles, from the dedup stage's pure part to its lookups; never stored as such. */
  readonly shingles?: Uint32Array
  /** Values of the record fields that stages declare (`tokens`, …), by field name. */
  readonly annotations?: Readonly<Record<string, string | number>>
}

export type StageOutcome =
  | { readonly _tag: "Kept"; readonly document: PipelineDocument }
  | { readonly _tag: "Excluded"; readonly document: PipelineDocument; readonly reason: Note }

export const kept = (document: PipelineDocument): StageOutcome => ({ _tag: "Kept", document })
export const excluded = (document: PipelineDocument, stage: StageName, code: string, detail: string): StageOutcome => ({
  _tag: "Excluded",
  document,
  reason: { stage, code, detail }
})
export const flagged = (document: PipelineDocument, stage: StageName, code: string, detail: string): PipelineDocument => ({
  ...document,
  flags: [...document.flags, { stage, code, detail }]
})

export const consentScopes = (consent: Consent): ReadonlyArray<string> =>
  typeof consent.scope === "string" ? consent.scope.split(/[\s,]+/).filter((s) => s.length > 0) : consent.scope

/** What the survivor rule looks at, for a document of this chunk or one already in the catalog. */
export interface SurvivorFacts {
  readonly recordId: string
  readonly batchSeq: number
  readonly institution: string
  readonly path: string
  readonly line: number
  readonly kind: string | null
  /** Symbol and mojibake noise per character (lower is cleaner); null when not measured. */
  readonly noise: number | null
  readonly words: number
}

/** One copy in a duplicate cluster: a document of this chunk, or a survivor already in the catalog. */
export interface ClusterMember {
  readonly facts: SurvivorFacts
  /** Already in the catalog (a survivor of an earlier chunk or run). */
  readonly stored: boolean
  readonly dedupKey: string
  /** Jaccard similarity with the closest copy in the cluster (1 for the same dedup key). */
  readonly similarity: number
}

/** A cluster of copies of one text, best copy under the survivor rule first. */
export interface DedupCluster {
  readonly members: ReadonlyArray<ClusterMember>
}
