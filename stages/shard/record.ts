import { Schema } from "effect"
import type { KeptRow, SourceRow } from "../../domain/release-rows.ts"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import type { RecordField } from "../stage.ts"

const Text = (description: string) => Schema.String.annotations({ description })
const OptionalText = (description: string) => Schema.NullOr(Schema.String).annotations({ description })
/** A whole number: written without a fraction, an integer column in Parquet, the card and Croissant. */
const Whole = (description: string) => Schema.Int.annotations({ description })
/** A fraction: always written with a decimal point (`1.0`), so no client takes the column for integers. */
const Fraction = (description: string) => Schema.Number.annotations({ description })

const sourceFields = {
  institution: Text("slug of the partner institution that gave the document"),
  batch: Text("id of the batch it came in"),
  document: Text("the document's id within its batch"),
  path: Text("the file's path within its batch")
}

/**
 * One record of a shard, the same for every shard whatever its content: no field whose keys or
 * type vary (shares and counts are lists of named pairs), every field present, nulls only where a
 * value can be absent. Field order is fixed here, so the same record always serialises the same.
 */
export const ReleaseRecord = Schema.Struct({
  id: Text("stable record id: a hash of institution, batch and document id"),
  text: Text("the document's text, normalised, with personal data replaced by typed placeholders"),
  lang: Text("ISO 639-3 language of the text (spa, por, arn, rap, mul, und, …)"),
  lang_score: Schema.NullOr(Schema.Number).annotations({ description: "confidence of the language identifier in `lang`, 0–1; null where the text was too short to identify" }),
  langs: Schema.Array(Schema.Struct({ lang: Text("ISO 639-3 language"), share: Fraction("share of the identified characters in that language, 0–1") })).annotations({
    description: "languages found in the text with their shares, largest first"
  }),
  source: Schema.Struct(sourceFields).annotations({ description: "where the record came from" }),
  license: Text("SPDX licence expression the document was given under"),
  labels: Schema.Array(Schema.String).annotations({ description: "Local Contexts TK/BC labels (e.g. TK-A, BC-R)" }),
  consent: Schema.Struct({ basis: Text("basis of the consent (license, community-consent, …)"), reference: Text("the partner's reference for the consent record") }).annotations({
    description: "the consent the document was given under"
  }),
  kind: OptionalText("kind of document given by the partner (oral-history, literature, report, …)"),
  title: OptionalText("title given by the partner"),
  created: OptionalText("when the work was created, as an ISO 8601 calendar date (YYYY-MM-DD) where the partner gave a full date; otherwise null"),
  created_text: OptionalText("when the work was created, as the partner wrote it (a year, a month, a date, or text)"),
  added: Text("the day the batch was submitted (YYYY-MM-DD)"),
  sha256: Text("SHA-256 of the text (UTF-8), hex"),
  pii: Schema.Array(Schema.Struct({ type: Text("kind of personal data (EMAIL, PHONE, ID-CL-RUT, …)"), count: Whole("placeholders of that kind in the text") })).annotations({
    description: "personal data replaced by placeholders, by kind"
  }),
  cluster_size: Whole("copies of this text received, this one included: 1 + its duplicates (FineWeb-2 upsamples by it)"),
  duplicates: Schema.Array(
    Schema.Struct({
      ...sourceFields,
      match: Schema.Literal("exact", "near").annotations({ description: "exact: the same text; near: a near-duplicate" }),
      similarity: Fraction("shingle Jaccard similarity of the copy's text with this record's, 0–1 (1.0 for an exact copy)")
    })
  ).annotations({ description: "every copy merged into this record: who else holds the text, and how close their copy is" })
})
export type ReleaseRecord = typeof ReleaseRecord.Type

/** A record with the fields that stages declare after the fixed ones, in the stage list's order. */
export type ReleaseRecordWithFields = ReleaseRecord & Readonly<Record<string, unknown>>

const declaredSchema = (field: RecordField): Schema.Schema.Any =>
  Schema.NullOr(field.type === "integer" ? Schema.Int : field.type === "number" ? Schema.Number : Schema.String).annotations({ description: field.description })

/**
 * The record with the fields stages declare: what every shard holds, what `audit verify` decodes,
 * and what the JSON Schema, the Parquet schema, the dataset card and Croissant describe.
 */
export const releaseRecordSchema = (declared: ReadonlyArray<RecordField>) =>
  declared.length === 0 ? ReleaseRecord : Schema.Struct({ ...ReleaseRecord.fields, ...Object.fromEntries(declared.map((f) => [f.name, declaredSchema(f)])) })

/** A full calendar date (YYYY-MM-DD, or a date-time's date) that exists; anything else is not one. */
export const calendarDate = (value: string | undefined): string | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(value?.trim() ?? "")
  if (!m) return null
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? `${m[1]}-${m[2]}-${m[3]}` : null
}

const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)

/**
 * `fields` is the row's `fields_json`, parsed once by the caller, which needs it too. `declared`
 * are the fields stages add; a document processed before a stage existed has null there.
 */
export const toRecord = (row: KeptRow, fields: DocumentFields, duplicates: ReadonlyArray<SourceRow>, declared: ReadonlyArray<RecordField> = []): ReleaseRecordWithFields => {
  const annotations = row.annotations_json ? (JSON.parse(row.annotations_json) as Record<string, unknown>) : {}
  const shares = Object.entries(JSON.parse(row.langs_json) as Record<string, number>).map(([lang, share]) => ({ lang, share }))
  const pii = Object.entries(row.pii_json ? (JSON.parse(row.pii_json) as Record<string, number>) : {}).map(([type, count]) => ({ type, count }))
  const record: ReleaseRecord = {
    id: row.record_id,
    text: row.body,
    lang: row.lang,
    lang_score: row.lang_score,
    langs: shares.sort((a, b) => b.share - a.share || (a.lang < b.lang ? -1 : a.lang > b.lang ? 1 : 0)),
    source: { institution: row.institution, batch: row.batch_id, document: row.local_id, path: row.path },
    license: row.license,
    labels: [...(fields.labels ?? [])],
    consent: { basis: fields.consent?.basis ?? "", reference: fields.consent?.reference ?? "" },
    kind: fields.kind ?? null,
    title: fields.title ?? null,
    created: calendarDate(fields.created),
    created_text: fields.created ?? null,
    // The day the batch was submitted: a date, not a time, so a rebuild the same day is byte-identical.
    added: row.submitted_at.slice(0, 10),
    sha256: row.text_sha256,
    pii: pii.sort(byKey((p) => p.type)),
    cluster_size: 1 + duplicates.length,
    duplicates: duplicates.map((d) => ({
      institution: d.institution,
      batch: d.batch_id,
      document: d.local_id,
      path: d.path,
      match: d.reason_code === "near-duplicate" ? ("near" as const) : ("exact" as const),
      similarity: d.similarity === null ? 1 : Math.round(d.similarity * 1e4) / 1e4
    }))
  }
  if (declared.length === 0) return record
  return { ...record, ...Object.fromEntries(declared.map((f) => [f.name, annotations[f.name] ?? null])) }
}
