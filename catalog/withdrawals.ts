import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { StoredDocumentFields } from "../domain/batch-schema.ts"
import type { GateResult } from "../domain/document.ts"
import { CountRow, fail, firstRowOf, transactionOf } from "./rows.ts"

/** A document as withdrawal looks at it: enough to take it out, or to gate a copy that stands in for it. */
export const WithdrawalRow = Schema.Struct({
  record_id: Schema.String,
  batch_seq: Schema.Number,
  file_id: Schema.Number,
  institution: Schema.String,
  batch_id: Schema.String,
  local_id: Schema.String,
  path: Schema.String,
  line: Schema.Number,
  status: Schema.String,
  stage: Schema.String,
  reason_code: Schema.NullOr(Schema.String),
  duplicate_of: Schema.NullOr(Schema.String),
  text_sha256: Schema.NullOr(Schema.String),
  dedup_key: Schema.NullOr(Schema.String),
  fields_json: Schema.parseJson(StoredDocumentFields),
  raw_bytes: Schema.Number,
  encoding: Schema.NullOr(Schema.String),
  lang: Schema.NullOr(Schema.String),
  body: Schema.NullOr(Schema.String)
})
export type WithdrawalRow = typeof WithdrawalRow.Type

// Fields as submitted, whatever a later version of the schema leaves out.
const decodeRows = (rows: ReadonlyArray<unknown>) => Schema.decodeUnknown(Schema.Array(WithdrawalRow))(rows, { onExcessProperty: "preserve" })

/**
 * The SQL of a withdrawal (`pipeline/withdraw.ts` decides who stands in): the documents withdrawn,
 * their copies, marking them withdrawn, reinstating a copy as survivor, closing a batch's pending
 * files. The writes belong in one `transaction`, with the DedupIndex's changes and the ledger entry.
 */
export class Withdrawals extends Effect.Service<Withdrawals>()("acervo/catalog/Withdrawals", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const select = sql.literal(`SELECT d.record_id, d.batch_seq, d.file_id, b.institution, b.batch_id, d.local_id, d.path, d.line, d.status, d.stage, d.reason_code,
        d.duplicate_of, d.text_sha256, d.dedup_key, d.fields_json, d.raw_bytes, d.encoding, d.lang, t.body
        FROM documents d JOIN batches b ON b.seq = d.batch_seq LEFT JOIN texts t ON t.sha256 = d.text_sha256`)

    const documentsOfBatch = (batchSeq: number) =>
      sql`${select} WHERE d.batch_seq = ${batchSeq} ORDER BY d.record_id`.pipe(Effect.flatMap(decodeRows), Effect.mapError(fail("reading the batch's documents")))

    const document = (recordId: string) =>
      sql`${select} WHERE d.record_id = ${recordId}`.pipe(
        Effect.flatMap(decodeRows),
        Effect.map((rows) => rows[0]),
        Effect.mapError(fail("reading the document"))
      )

    /** The copies merged into a survivor by the dedup stage. */
    const copiesOf = (survivor: string) =>
      sql`${select} WHERE d.duplicate_of = ${survivor} AND d.stage = 'dedup'`.pipe(Effect.flatMap(decodeRows), Effect.mapError(fail("reading a survivor's copies")))

    /** Excludes a document as `withdrawn`; its earlier exclusion notes give way to the withdrawal's. */
    const markWithdrawn = (recordId: string, detail: string) =>
      Effect.gen(function* () {
        yield* sql`UPDATE documents SET status = 'excluded', stage = 'withdraw', reason_code = 'withdrawn' WHERE record_id = ${recordId}`
        yield* sql`DELETE FROM notes WHERE record_id = ${recordId} AND kind = 'exclusion'`
        yield* sql`INSERT INTO notes ${sql.insert({ record_id: recordId, kind: "exclusion", stage: "withdraw", code: "withdrawn", detail })}`
      }).pipe(Effect.mapError(fail("marking a document withdrawn")))

    /** A merged copy kept again as its cluster's survivor, under the gate's decision, flagged `re-elected`. */
    const reinstate = (recordId: string, gate: GateResult, detail: string) =>
      Effect.gen(function* () {
        yield* sql`UPDATE documents SET status = 'kept', stage = 'gate', reason_code = NULL, duplicate_of = NULL, license = ${gate.license}, license_use = ${gate.licenseUse},
                   attribution = ${gate.attribution ? 1 : 0}, profiles_json = ${JSON.stringify(gate.profiles)} WHERE record_id = ${recordId}`
        yield* sql`DELETE FROM notes WHERE record_id = ${recordId} AND kind = 'exclusion'`
        yield* sql`INSERT INTO notes ${sql.insert({ record_id: recordId, kind: "flag", stage: "dedup", code: "re-elected", detail })}`
      }).pipe(Effect.mapError(fail("re-electing a survivor")))

    /** The cluster's other copies follow its new survivor. */
    const repointCopies = (from: string, to: string) =>
      sql`UPDATE documents SET duplicate_of = ${to} WHERE duplicate_of = ${from} AND record_id <> ${to}`.pipe(Effect.asVoid, Effect.mapError(fail("re-electing a survivor")))

    /** How many of a batch's files are still pending. */
    const pendingFiles = (batchSeq: number) =>
      sql`SELECT count(*) AS n FROM files WHERE batch_seq = ${batchSeq} AND status = 'pending'`.pipe(
        Effect.flatMap(firstRowOf(CountRow)),
        Effect.map((row) => row?.n ?? 0),
        Effect.mapError(fail("counting pending files"))
      )

    /** Marks a batch's pending files done, so no later run reads them; returns how many there were. */
    const closePendingFiles = (batchSeq: number) =>
      Effect.gen(function* () {
        const closed = yield* sql`SELECT count(*) AS n FROM files WHERE batch_seq = ${batchSeq} AND status = 'pending'`.pipe(Effect.flatMap(firstRowOf(CountRow)))
        yield* sql`UPDATE files SET status = 'done' WHERE batch_seq = ${batchSeq} AND status = 'pending'`
        return closed?.n ?? 0
      }).pipe(Effect.mapError(fail("closing pending files")))

    return {
      documentsOfBatch,
      document,
      copiesOf,
      markWithdrawn,
      reinstate,
      repointCopies,
      closePendingFiles,
      pendingFiles,
      transaction: transactionOf(sql, "withdrawing")
    } as const
  })
}) {}
