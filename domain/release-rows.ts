import { Schema } from "effect"

/** A kept document with its text, as the catalog hands it to the shard writer (JSON columns still as text). */
export const KeptRow = Schema.Struct({
  record_id: Schema.String,
  institution: Schema.String,
  batch_id: Schema.String,
  submitted_at: Schema.String,
  local_id: Schema.String,
  path: Schema.String,
  lang: Schema.String,
  lang_score: Schema.NullOr(Schema.Number),
  langs_json: Schema.String,
  text_sha256: Schema.String,
  license: Schema.String,
  license_use: Schema.String,
  attribution: Schema.Number,
  profiles_json: Schema.String,
  fields_json: Schema.String,
  pii_json: Schema.NullOr(Schema.String),
  annotations_json: Schema.NullOr(Schema.String),
  body: Schema.String
})
export type KeptRow = typeof KeptRow.Type

/** A copy merged into a kept document: where it came from and why it was merged. */
export const SourceRow = Schema.Struct({
  duplicate_of: Schema.String,
  institution: Schema.String,
  batch_id: Schema.String,
  local_id: Schema.String,
  path: Schema.String,
  reason_code: Schema.NullOr(Schema.String),
  similarity: Schema.NullOr(Schema.Number),
  /** The copy's stored text, for its similarity with the survivor. */
  body: Schema.NullOr(Schema.String)
})
export type SourceRow = typeof SourceRow.Type
