import { Schema } from "effect"
import type { KeptRow, SourceRow } from "../../domain/release-rows.ts"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import type { RecordField } from "../stage.ts"

const Source = Schema.Struct({
  institution: Schema.String,
  batch: Schema.String,
  document: Schema.String,
  path: Schema.String
})

/** One line of a shard. Field order is fixed here, so the same record always serialises the same. */
export const ReleaseRecord = Schema.Struct({
  id: Schema.String,
  text: Schema.String,
  lang: Schema.String,
  lang_score: Schema.NullOr(Schema.Number),
  langs: Schema.Record({ key: Schema.String, value: Schema.Number }),
  source: Source,
  license: Schema.String,
  labels: Schema.Array(Schema.String),
  consent: Schema.Struct({ basis: Schema.String, reference: Schema.String }),
  kind: Schema.NullOr(Schema.String),
  title: Schema.NullOr(Schema.String),
  created: Schema.NullOr(Schema.String),
  added: Schema.String,
  sha256: Schema.String,
  pii: Schema.Record({ key: Schema.String, value: Schema.Number }),
  /** Copies in this record's cluster: 1 + its duplicates (FineWeb-2 upsamples by it). */
  cluster_size: Schema.Number,
  /** Every copy merged into this one: who else holds the text, and how close their copy is. */
  duplicates: Schema.Array(
    Schema.Struct({
      ...Source.fields,
      match: Schema.Literal("exact", "near"),
      similarity: Schema.NullOr(Schema.Number)
    })
  )
})
export type ReleaseRecord = typeof ReleaseRecord.Type

/** A record with the fields that stages declare after the fixed ones, in the stage list's order. */
export type ReleaseRecordWithFields = ReleaseRecord & Readonly<Record<string, unknown>>

/**
 * `fields` is the row's `fields_json`, parsed once by the caller, which needs it too. `declared`
 * are the fields stages add; a document processed before a stage existed has null there.
 */
export const toRecord = (row: KeptRow, fields: DocumentFields, duplicates: ReadonlyArray<SourceRow>, declared: ReadonlyArray<RecordField> = []): ReleaseRecordWithFields => {
  const annotations = row.annotations_json ? (JSON.parse(row.annotations_json) as Record<string, unknown>) : {}
  const record: ReleaseRecord = {
    id: row.record_id,
    text: row.body,
    lang: row.lang,
    lang_score: row.lang_score,
    langs: JSON.parse(row.langs_json) as Record<string, number>,
    source: { institution: row.institution, batch: row.batch_id, document: row.local_id, path: row.path },
    license: row.license,
    labels: [...(fields.labels ?? [])],
    consent: { basis: fields.consent?.basis ?? "", reference: fields.consent?.reference ?? "" },
    kind: fields.kind ?? null,
    title: fields.title ?? null,
    created: fields.created ?? null,
    // The day the batch was submitted: a date, not a time, so a rebuild the same day is byte-identical.
    added: row.submitted_at.slice(0, 10),
    sha256: row.text_sha256,
    pii: row.pii_json ? (JSON.parse(row.pii_json) as Record<string, number>) : {},
    cluster_size: 1 + duplicates.length,
    duplicates: duplicates.map((d) => ({
      institution: d.institution,
      batch: d.batch_id,
      document: d.local_id,
      path: d.path,
      match: d.reason_code === "near-duplicate" ? ("near" as const) : ("exact" as const),
      similarity: d.similarity === null ? null : Math.round(d.similarity * 1e4) / 1e4
    }))
  }
  if (declared.length === 0) return record
  return { ...record, ...Object.fromEntries(declared.map((f) => [f.name, annotations[f.name] ?? null])) }
}
