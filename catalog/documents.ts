import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import type { Note, StageOutcome } from "../domain/document.ts"
import { canonicalJson } from "../domain/hashing.ts"
import { Ledger, type RunFinished } from "./ledger.ts"
import { fail, rowsOf, transactionOf } from "./rows.ts"
import { inPages } from "./sql-pages.ts"

export interface FileProgress {
  readonly fileId: number
  readonly units: number
  readonly done: boolean
}

/** A run's totals as the ledger records them when it finishes. */
export type RunSummary = Omit<typeof RunFinished.Type, "kind" | "run">

const IdRow = Schema.Struct({ id: Schema.Number })
const RecordIdRow = Schema.Struct({ record_id: Schema.String })
export const CodeCountRow = Schema.Struct({ code: Schema.String, stage: Schema.String, n: Schema.Number })
export const StageCountRow = Schema.Struct({ status: Schema.String, stage: Schema.String, n: Schema.Number })
export const LanguageExclusionRow = Schema.Struct({ code: Schema.String, lang: Schema.NullOr(Schema.String), n: Schema.Number })
export const LanguageRow = Schema.Struct({ lang: Schema.String, n: Schema.Number, chars: Schema.Number })
export const FieldTotalRow = Schema.Struct({ lang: Schema.String, total: Schema.Number })

const noteRows = (recordId: string, kind: "exclusion" | "flag", notes: ReadonlyArray<Note>) =>
  notes.map((n) => ({ record_id: recordId, kind, stage: n.stage, code: n.code, detail: n.detail }))

/** One stage outcome as its `documents` row. */
const documentRow = (runId: number, outcome: StageOutcome) => {
  const d = outcome.document
  const isKept = outcome._tag === "Kept"
  return {
    record_id: d.recordId,
    batch_seq: d.source.batchSeq,
    file_id: d.fileId,
    local_id: d.source.document,
    path: d.source.path,
    line: d.source.line,
    status: isKept ? "kept" : "excluded",
    stage: isKept ? "gate" : outcome.reason.stage,
    reason_code: isKept ? null : outcome.reason.code,
    lang: d.language?.lang ?? null,
    lang_score: d.language?.score ?? null,
    langs_json: d.language ? canonicalJson(d.language.langs) : null,
    declared_lang: d.language?.declared ?? d.fields.language ?? null,
    detected_lang: d.language?.detected ?? null,
    encoding: d.encoding || null,
    raw_bytes: d.rawBytes,
    chars: d.text.length,
    text_sha256: d.textSha256 ?? null,
    dedup_key: d.dedupKey ?? null,
    duplicate_of: d.duplicateOf ?? null,
    similarity: d.similarity ?? null,
    license: d.gate?.license ?? d.fields.license ?? null,
    license_use: d.gate?.licenseUse ?? null,
    attribution: d.gate ? (d.gate.attribution ? 1 : 0) : null,
    profiles_json: d.gate ? JSON.stringify(d.gate.profiles) : null,
    fields_json: canonicalJson(d.fields),
    pii_json: d.pii ? canonicalJson(d.pii) : null,
    quality_json: d.quality ? canonicalJson(d.quality) : null,
    annotations_json: d.annotations ? canonicalJson(d.annotations) : null,
    run_id: runId
  }
}

/**
 * Processing: runs, each chunk's documents with their notes and texts, and what `status` and the
 * release count of them. `transaction` puts a chunk's `persistChunk` and the stages' commits (the
 * DedupIndex's) in one SQL transaction: every repository shares the one SqlClient.
 */
export class Documents extends Effect.Service<Documents>()("acervo/catalog/Documents", {
  dependencies: [Ledger.Default],
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ledger = yield* Ledger

    const startRun = (at: string, configSha256: string) =>
      sql`INSERT INTO runs ${sql.insert({ started_at: at, status: "running", config_sha256: configSha256 })} RETURNING id`.pipe(
        Effect.flatMap(Schema.decodeUnknown(Schema.Tuple(IdRow))),
        Effect.map((rows) => rows[0].id),
        Effect.mapError(fail("starting a run"))
      )

    const finishRun = (id: number, at: string, summary: RunSummary) =>
      sql
        .withTransaction(
          Effect.zipRight(sql`UPDATE runs SET finished_at = ${at}, status = 'finished' WHERE id = ${id}`, ledger.append(at, { kind: "run-finished", run: id, ...summary }))
        )
        .pipe(Effect.mapError(fail("finishing the run")))

    /** Which of these record ids the catalog already holds. */
    const existingRecordIds = (ids: ReadonlyArray<string>) =>
      inPages(ids, (vs) => sql`SELECT record_id FROM documents WHERE ${sql.in("record_id", vs)}`.pipe(Effect.flatMap(rowsOf(RecordIdRow)))).pipe(
        Effect.map((rows) => new Set(rows.map((r) => r.record_id))),
        Effect.mapError(fail("checking record ids"))
      )

    /** Writes one processed chunk and the files' progress in one transaction: all of it or none. */
    const persistChunk = (runId: number, entries: ReadonlyArray<StageOutcome>, progress: ReadonlyArray<FileProgress>) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            for (let i = 0; i < entries.length; i += 100) {
              const page = entries.slice(i, i + 100)
              yield* sql`INSERT INTO documents ${sql.insert(page.map((outcome) => documentRow(runId, outcome)))}`
              const notes = page.flatMap((outcome) => [
                ...noteRows(outcome.document.recordId, "flag", outcome.document.flags),
                ...(outcome._tag === "Excluded" ? noteRows(outcome.document.recordId, "exclusion", [outcome.reason]) : [])
              ])
              if (notes.length > 0) yield* sql`INSERT INTO notes ${sql.insert(notes)}`
              // Texts of duplicates are kept too: a withdrawn survivor's copy must be able to stand in.
              const texts = page.flatMap((outcome) =>
                outcome.document.textSha256 && (outcome._tag === "Kept" || outcome.document.duplicateOf) ? [{ sha256: outcome.document.textSha256, body: outcome.document.text }] : []
              )
              for (const t of texts) yield* sql`INSERT OR IGNORE INTO texts ${sql.insert(t)}`
            }
            for (const p of progress) {
              yield* sql`UPDATE files SET done_units = ${p.units}, status = ${p.done ? "done" : "pending"} WHERE id = ${p.fileId}`
            }
          })
        )
        .pipe(Effect.mapError(fail("saving processed documents")))

    /** Exclusion or flag notes counted by code and stage, of every batch or of one. */
    const countsByCode = (kind: "exclusion" | "flag", batchSeq?: number) =>
      (batchSeq === undefined
        ? sql`SELECT code, stage, count(*) AS n FROM notes WHERE kind = ${kind} GROUP BY code, stage ORDER BY code`
        : sql`SELECT n.code, n.stage, count(*) AS n FROM notes n JOIN documents d ON d.record_id = n.record_id
            WHERE n.kind = ${kind} AND d.batch_seq = ${batchSeq} GROUP BY n.code, n.stage ORDER BY n.code`
      ).pipe(Effect.flatMap(rowsOf(CodeCountRow)), Effect.mapError(fail("counting notes")))

    const exclusionsByLanguage = (stage: string) =>
      sql`SELECT n.code, d.lang, count(*) AS n FROM notes n JOIN documents d USING (record_id)
          WHERE n.kind = 'exclusion' AND n.stage = ${stage} GROUP BY n.code, d.lang ORDER BY n.code, d.lang`.pipe(
        Effect.flatMap(rowsOf(LanguageExclusionRow)),
        Effect.mapError(fail("counting exclusions by language"))
      )

    const documentsByStage = (batchSeq?: number) =>
      (batchSeq === undefined
        ? sql`SELECT status, stage, count(*) AS n FROM documents GROUP BY status, stage`
        : sql`SELECT status, stage, count(*) AS n FROM documents WHERE batch_seq = ${batchSeq} GROUP BY status, stage`
      ).pipe(Effect.flatMap(rowsOf(StageCountRow)), Effect.mapError(fail("counting documents")))

    const keptByLanguage = sql`SELECT lang, count(*) AS n, sum(chars) AS chars FROM documents WHERE status = 'kept' GROUP BY lang ORDER BY lang`.pipe(
      Effect.flatMap(rowsOf(LanguageRow)),
      Effect.mapError(fail("counting documents by language"))
    )

    /** Sums of a numeric record field (`annotations_json`) over kept documents, by language. */
    const annotationTotalsByLanguage = (name: string) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) return Effect.die(new Error(`record field name ${name} is not an identifier`))
      return sql`SELECT lang, coalesce(sum(json_extract(annotations_json, ${"$." + name})), 0) AS total FROM documents WHERE status = 'kept' GROUP BY lang ORDER BY lang`.pipe(
        Effect.flatMap(rowsOf(FieldTotalRow)),
        Effect.mapError(fail("summing record fields"))
      )
    }

    return {
      annotationTotalsByLanguage,
      startRun,
      finishRun,
      existingRecordIds,
      persistChunk,
      /** Runs `effect` in one transaction with whatever else it writes to this catalog. */
      transaction: transactionOf(sql, "saving processed documents"),
      countsByCode,
      exclusionsByLanguage,
      documentsByStage,
      keptByLanguage
    } as const
  })
}) {}
