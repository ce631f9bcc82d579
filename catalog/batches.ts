import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { join } from "node:path"
import { StoredDocumentFields, type DocumentFields } from "../domain/batch-schema.ts"
import { canonicalJson } from "../domain/hashing.ts"
import type { FileToRead } from "../stages/ingest/reader.ts"
import { Ledger } from "./ledger.ts"
import { CountRow, fail, firstRowOf, rowsOf } from "./rows.ts"

export const BatchRow = Schema.Struct({
  seq: Schema.Number,
  institution: Schema.String,
  batch_id: Schema.String,
  content_sha256: Schema.String,
  title: Schema.NullOr(Schema.String),
  collection: Schema.NullOr(Schema.String),
  stored_path: Schema.String,
  submitted_at: Schema.String,
  bag_info_json: Schema.NullOr(Schema.String)
})
export type BatchRow = typeof BatchRow.Type

/** A batch with its file and document counts, as `batches` lists them. */
export const BatchListRow = Schema.Struct({
  ...BatchRow.fields,
  files: Schema.Number,
  pending: Schema.Number,
  kept: Schema.Number,
  excluded: Schema.Number,
  withdrawn: Schema.Number
})
export type BatchListRow = typeof BatchListRow.Type

export const BatchDocumentRow = Schema.Struct({
  record_id: Schema.String,
  local_id: Schema.String,
  path: Schema.String,
  line: Schema.Number,
  status: Schema.String,
  stage: Schema.String,
  reason_code: Schema.NullOr(Schema.String),
  lang: Schema.NullOr(Schema.String),
  duplicate_of: Schema.NullOr(Schema.String),
  similarity: Schema.NullOr(Schema.Number)
})
export type BatchDocumentRow = typeof BatchDocumentRow.Type

export const NoteRow = Schema.Struct({
  record_id: Schema.String,
  kind: Schema.Literal("exclusion", "flag"),
  stage: Schema.String,
  code: Schema.String,
  detail: Schema.String
})
export type NoteRow = typeof NoteRow.Type

const PendingFileRow = Schema.Struct({
  id: Schema.Number,
  batch_seq: Schema.Number,
  institution: Schema.String,
  batch_id: Schema.String,
  stored_path: Schema.String,
  path: Schema.String,
  sha256: Schema.String,
  bytes: Schema.Number,
  document_id: Schema.NullOr(Schema.String),
  fields_json: Schema.parseJson(StoredDocumentFields),
  done_units: Schema.Number
})

const PendingOfBatchRow = Schema.Struct({ path: Schema.String, format: Schema.NullOr(Schema.String), bytes: Schema.Number })
const OwnerRow = Schema.Struct({ institution: Schema.String, batch_id: Schema.String })
const SeqRow = Schema.Struct({ seq: Schema.Number })

export interface NewFile {
  readonly path: string
  readonly format: string | null
  readonly bytes: number
  readonly sha256: string
  readonly documentId: string | undefined
  readonly fields: DocumentFields
}

export interface NewBatch {
  readonly institution: string
  readonly batchId: string
  readonly contentSha256: string
  readonly title: string | undefined
  readonly collection: string | undefined
  readonly manifestJson: string
  readonly storedPath: string
  readonly submittedAt: string
  readonly files: ReadonlyArray<NewFile>
  /** A BagIt bag's bag-info: stored whole, its fields in the ledger. */
  readonly bagInfo?: { readonly fields: Readonly<Record<string, string>> } | undefined
}

const batchColumns = "b.seq, b.institution, b.batch_id, b.content_sha256, b.title, b.collection, b.stored_path, b.submitted_at, b.bag_info_json"

/** Batches and their files: registering a batch, finding it, listing batches, pending files and a batch's documents. */
export class Batches extends Effect.Service<Batches>()("acervo/catalog/Batches", {
  dependencies: [Ledger.Default],
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ledger = yield* Ledger

    const findBatchByContent = (sha256: string) =>
      sql`SELECT ${sql.literal(batchColumns)} FROM batches b WHERE b.content_sha256 = ${sha256}`.pipe(
        Effect.flatMap(firstRowOf(BatchRow)),
        Effect.mapError(fail("looking up a batch"))
      )

    const findBatch = (institution: string, batchId: string) =>
      sql`SELECT ${sql.literal(batchColumns)} FROM batches b WHERE b.institution = ${institution} AND b.batch_id = ${batchId}`.pipe(
        Effect.flatMap(firstRowOf(BatchRow)),
        Effect.mapError(fail("looking up a batch"))
      )

    /**
     * Registers a batch and its files, and records it in the ledger, in one transaction; returns its
     * sequence number. `publish` runs last inside the transaction, holding the write lock, so that
     * what it does (putting the stored copy in place) happens exactly when the rows do.
     */
    const registerBatch = (batch: NewBatch, publish: Effect.Effect<void> = Effect.void) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const inserted = yield* sql`INSERT INTO batches ${sql.insert({
              institution: batch.institution,
              batch_id: batch.batchId,
              content_sha256: batch.contentSha256,
              title: batch.title ?? null,
              collection: batch.collection ?? null,
              manifest_json: batch.manifestJson,
              stored_path: batch.storedPath,
              submitted_at: batch.submittedAt,
              bag_info_json: batch.bagInfo ? canonicalJson(batch.bagInfo) : null
            })} RETURNING seq`.pipe(Effect.flatMap(Schema.decodeUnknown(Schema.Tuple(SeqRow))))
            const seq = inserted[0].seq
            for (let i = 0; i < batch.files.length; i += 200) {
              const rows = batch.files.slice(i, i + 200).map((f) => ({
                batch_seq: seq,
                path: f.path,
                format: f.format,
                bytes: f.bytes,
                sha256: f.sha256,
                document_id: f.documentId ?? null,
                fields_json: canonicalJson(f.fields)
              }))
              yield* sql`INSERT INTO files ${sql.insert(rows)}`
            }
            yield* ledger.append(batch.submittedAt, {
              kind: "batch-submitted",
              institution: batch.institution,
              batch: batch.batchId,
              sha256: batch.contentSha256,
              files: batch.files.length,
              ...(batch.bagInfo ? { bag: batch.bagInfo.fields } : {})
            })
            yield* publish
            return seq
          })
        )
        .pipe(Effect.mapError(fail("registering the batch")))

    /** Every batch with its counts of files, pending files, kept, excluded and withdrawn documents. */
    const batches = sql`
        SELECT ${sql.literal(batchColumns)}, (SELECT count(*) FROM files f WHERE f.batch_seq = b.seq) AS files,
          (SELECT count(*) FROM files f WHERE f.batch_seq = b.seq AND f.status = 'pending') AS pending,
          (SELECT count(*) FROM documents d WHERE d.batch_seq = b.seq AND d.status = 'kept') AS kept,
          (SELECT count(*) FROM documents d WHERE d.batch_seq = b.seq AND d.status = 'excluded') AS excluded,
          (SELECT count(*) FROM documents d WHERE d.batch_seq = b.seq AND d.stage = 'withdraw') AS withdrawn
        FROM batches b ORDER BY b.seq`.pipe(Effect.flatMap(rowsOf(BatchListRow)), Effect.mapError(fail("listing batches")))

    /** Pending files after file `afterId` (of every batch, or of one), in id order, as the readers take them. */
    const pendingFiles = (afterId: number, limit: number, batchSeq?: number) =>
      sql`SELECT f.id, f.batch_seq, b.institution, b.batch_id, b.stored_path, f.path, f.sha256, f.bytes, f.document_id, f.fields_json, f.done_units
          FROM files f JOIN batches b ON b.seq = f.batch_seq
          WHERE f.status = 'pending' AND f.id > ${afterId} ${batchSeq === undefined ? sql`` : sql`AND f.batch_seq = ${batchSeq}`} ORDER BY f.id LIMIT ${limit}`.pipe(
        // Fields as submitted, whatever a later version of the schema leaves out.
        Effect.flatMap((rows) => Schema.decodeUnknown(Schema.Array(PendingFileRow))(rows, { onExcessProperty: "preserve" })),
        Effect.map((rows) =>
          rows.map(
            (r): FileToRead => ({
              fileId: r.id,
              institution: r.institution,
              batchId: r.batch_id,
              batchSeq: r.batch_seq,
              path: r.path,
              storedPath: join(r.stored_path, r.path),
              sha256: r.sha256,
              bytes: r.bytes,
              documentId: r.document_id ?? undefined,
              fields: r.fields_json,
              doneUnits: r.done_units
            })
          )
        ),
        Effect.mapError(fail("listing pending files"))
      )

    const countPendingFiles = sql`SELECT count(*) AS n FROM files WHERE status = 'pending'`.pipe(
      Effect.flatMap(firstRowOf(CountRow)),
      Effect.map((row) => row ?? { n: 0 }),
      Effect.mapError(fail("counting pending files"))
    )

    const countPendingFilesOf = (batchSeq: number) =>
      sql`SELECT count(*) AS n FROM files WHERE status = 'pending' AND batch_seq = ${batchSeq}`.pipe(
        Effect.flatMap(firstRowOf(CountRow)),
        Effect.map((row) => row ?? { n: 0 }),
        Effect.mapError(fail("counting a batch's pending files"))
      )

    const pendingFilesOf = (batchSeq: number, limit: number) =>
      sql`SELECT path, format, bytes FROM files WHERE batch_seq = ${batchSeq} AND status = 'pending' ORDER BY path LIMIT ${limit}`.pipe(
        Effect.flatMap(rowsOf(PendingOfBatchRow)),
        Effect.mapError(fail("listing a batch's pending files"))
      )

    /** One page of a batch's documents in record-id order, with their exclusion and flag notes. */
    const batchDocuments = (batchSeq: number, afterRecordId: string, limit: number) =>
      Effect.gen(function* () {
        const docs = yield* sql`SELECT record_id, local_id, path, line, status, stage, reason_code, lang, duplicate_of, similarity
          FROM documents WHERE batch_seq = ${batchSeq} AND record_id > ${afterRecordId} ORDER BY record_id LIMIT ${limit}`.pipe(Effect.flatMap(rowsOf(BatchDocumentRow)))
        const notes =
          docs.length === 0
            ? []
            : yield* sql`SELECT record_id, kind, stage, code, detail FROM notes WHERE ${sql.in("record_id", docs.map((d) => d.record_id))} ORDER BY rowid`.pipe(
                Effect.flatMap(rowsOf(NoteRow))
              )
        return { docs, notes }
      }).pipe(Effect.mapError(fail("listing a batch's documents")))

    /** The institution and batch a record belongs to, for checking who may see or withdraw it. */
    const recordOwner = (recordId: string) =>
      sql`SELECT b.institution, b.batch_id FROM documents d JOIN batches b ON b.seq = d.batch_seq WHERE d.record_id = ${recordId}`.pipe(
        Effect.flatMap(firstRowOf(OwnerRow)),
        Effect.mapError(fail("looking up a record"))
      )

    return { findBatchByContent, findBatch, registerBatch, batches, pendingFiles, countPendingFiles, countPendingFilesOf, pendingFilesOf, batchDocuments, recordOwner } as const
  })
}) {}
