import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { StoredDocumentFields } from "../domain/batch-schema.ts"
import { fail, rowsOf } from "./rows.ts"

/** A record with its batch, as `audit trace` starts from it. */
export const TracedRow = Schema.Struct({
  record_id: Schema.String,
  status: Schema.String,
  stage: Schema.String,
  reason_code: Schema.NullOr(Schema.String),
  local_id: Schema.String,
  path: Schema.String,
  line: Schema.Number,
  lang: Schema.NullOr(Schema.String),
  text_sha256: Schema.NullOr(Schema.String),
  license: Schema.NullOr(Schema.String),
  license_use: Schema.NullOr(Schema.String),
  attribution: Schema.NullOr(Schema.Number),
  fields_json: Schema.parseJson(StoredDocumentFields),
  duplicate_of: Schema.NullOr(Schema.String),
  run_id: Schema.Number,
  institution: Schema.String,
  batch_id: Schema.String,
  content_sha256: Schema.String,
  submitted_at: Schema.String
})
export type TracedRow = typeof TracedRow.Type

export const MergedCopyRow = Schema.Struct({
  record_id: Schema.String,
  institution: Schema.String,
  batch_id: Schema.String,
  local_id: Schema.String,
  reason_code: Schema.NullOr(Schema.String),
  similarity: Schema.NullOr(Schema.Number)
})

export const RecordNoteRow = Schema.Struct({ kind: Schema.String, stage: Schema.String, code: Schema.String, detail: Schema.String })

/** What `audit trace` reads of one record: the record and its batch, the copies merged into it, its notes. The ledger's part comes from `Ledger.entries`. */
export class Traces extends Effect.Service<Traces>()("acervo/catalog/Traces", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const record = (recordId: string) =>
      sql`SELECT d.record_id, d.status, d.stage, d.reason_code, d.local_id, d.path, d.line, d.lang, d.text_sha256, d.license, d.license_use, d.attribution,
            d.fields_json, d.duplicate_of, d.run_id, b.institution, b.batch_id, b.content_sha256, b.submitted_at
          FROM documents d JOIN batches b ON b.seq = d.batch_seq WHERE d.record_id = ${recordId}`.pipe(
        Effect.flatMap(rowsOf(TracedRow)),
        Effect.map((rows) => rows[0]),
        Effect.mapError(fail("reading the record"))
      )

    const mergedCopies = (recordId: string) =>
      sql`SELECT d.record_id, b.institution, b.batch_id, d.local_id, d.reason_code, d.similarity FROM documents d JOIN batches b ON b.seq = d.batch_seq
          WHERE d.duplicate_of = ${recordId} ORDER BY b.seq, d.path, d.line`.pipe(Effect.flatMap(rowsOf(MergedCopyRow)), Effect.mapError(fail("reading merged copies")))

    const notes = (recordId: string) =>
      sql`SELECT kind, stage, code, detail FROM notes WHERE record_id = ${recordId} ORDER BY rowid`.pipe(Effect.flatMap(rowsOf(RecordNoteRow)), Effect.mapError(fail("reading notes")))

    return { record, mergedCopies, notes } as const
  })
}) {}
