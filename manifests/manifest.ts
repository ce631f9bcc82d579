import { Schema } from "effect"

const Sha256 = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/))
const Count = Schema.Int.pipe(Schema.nonNegative())

export const ShardEntry = Schema.Struct({
  path: Schema.String,
  sha256: Sha256,
  bytes: Count,
  documents: Count,
  characters: Count,
  lang: Schema.String,
  profile: Schema.String,
  /** `jsonl` (gzip JSON lines) or `parquet`: the same records in the same order. */
  format: Schema.Literal("jsonl", "parquet")
})
export type ShardEntry = typeof ShardEntry.Type

const Tally = Schema.Struct({ documents: Count, characters: Count })

/** A numeric record field a stage declares, summed over the release (e.g. `tokens`). */
export const FieldTotal = Schema.Struct({
  total: Schema.Number,
  by_language: Schema.Record({ key: Schema.String, value: Schema.Number }),
  by_profile: Schema.Record({ key: Schema.String, value: Schema.Number }),
  by_institution: Schema.Record({ key: Schema.String, value: Schema.Number })
})
export type FieldTotal = typeof FieldTotal.Type

/** `acervo-manifest/1`: what a release holds and where it came from (SPEC §5). */
export const Manifest = Schema.Struct({
  format: Schema.Literal("acervo-manifest/1"),
  release: Schema.String,
  created: Schema.String,
  pipeline: Schema.Struct({ version: Schema.String, config_sha256: Sha256 }),
  previous: Schema.NullOr(Schema.Struct({ release: Schema.String, manifest_sha256: Sha256 })),
  profiles: Schema.Array(Schema.Struct({ name: Schema.String, description: Schema.String })),
  batches: Schema.Array(Schema.Struct({ institution: Schema.String, id: Schema.String, sha256: Sha256 })),
  shards: Schema.Array(ShardEntry),
  totals: Schema.Struct({
    documents: Count,
    characters: Count,
    by_language: Schema.Record({ key: Schema.String, value: Tally }),
    by_license: Schema.Record({ key: Schema.String, value: Tally }),
    by_institution: Schema.Record({ key: Schema.String, value: Tally }),
    by_profile: Schema.Record({ key: Schema.String, value: Tally }),
    pii: Schema.Record({ key: Schema.String, value: Count }),
    /** Sums of the record fields stages declare as totals, by field name. */
    fields: Schema.Record({ key: Schema.String, value: FieldTotal })
  }),
  excluded: Schema.Record({ key: Schema.String, value: Count }),
  flagged: Schema.Record({ key: Schema.String, value: Count }),
  outside_profiles: Count,
  withdrawn: Count
})
export type Manifest = typeof Manifest.Type

export const MANIFEST_FILE = "manifest.json"
