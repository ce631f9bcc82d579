import { Effect } from "effect"
import { minHashParams } from "../stages/dedup/config.ts"
import { dedupStage } from "../stages/dedup/dedup.ts"
import { DedupIndex } from "../stages/dedup/dedup-index.ts"
import { bandBuckets, shingles, signature } from "../stages/dedup/minhash.ts"
import { compareSurvivors, electSurvivor } from "../stages/dedup/survivor.ts"
import { gateDocument } from "../stages/gate/gate.ts"
import type { PipelineDocument } from "../domain/document.ts"
import type { DocumentFields } from "../domain/batch-schema.ts"
import { Catalog } from "../catalog/catalog.ts"
import { nowIso } from "./clock.ts"
import { stageConfig } from "./config.ts"
import { CatalogError, UsageError } from "./errors.ts"
import { sha256Hex } from "../domain/hashing.ts"
import { findBatchRef } from "./status.ts"

export interface WithdrawalTarget {
  /** A batch: ID or INSTITUTION/ID. */
  readonly batch?: string | undefined
  /** One document, by its record id. */
  readonly document?: string | undefined
}

export interface WithdrawalResult {
  readonly withdrawn: number
  readonly reelected: ReadonlyArray<{ readonly withdrawn: string; readonly survivor: string }>
  readonly pendingFilesClosed: number
}

interface DocumentRow {
  record_id: string
  batch_seq: number
  file_id: number
  institution: string
  batch_id: string
  local_id: string
  path: string
  line: number
  status: string
  stage: string
  reason_code: string | null
  duplicate_of: string | null
  text_sha256: string | null
  dedup_key: string | null
  fields_json: string
  quality_json: string | null
  raw_bytes: number
  encoding: string | null
  lang: string | null
  body: string | null
}

const fail = (operation: string) => (cause: unknown) => new CatalogError({ operation, cause })

/**
 * Withdraws a batch or a document: its documents are excluded as `withdrawn` (stage `withdraw`),
 * taken out of the near-duplicate index, and recorded in the ledger. Where a withdrawn document
 * was a cluster's survivor, the best remaining copy under the survivor rule that the gate admits
 * stands in its place (the copy another institution sent) and the cluster's other copies follow
 * it. All of it happens in one transaction; the next release leaves the withdrawn documents out and
 * lists them in tombstones.jsonl.
 */
export const withdraw = (target: WithdrawalTarget, reason: string) =>
  Effect.gen(function* () {
    const dedupSettings = yield* stageConfig(dedupStage)
    const index = yield* DedupIndex
    const catalog = yield* Catalog
    const sql = catalog.sql
    if (reason.trim().length === 0) return yield* new UsageError({ message: "say why with --reason TEXT: the reason is kept in the ledger for auditors" })
    if ((target.batch === undefined) === (target.document === undefined)) {
      return yield* new UsageError({ message: "withdraw takes exactly one of --batch ID (or INSTITUTION/ID) and --document RECORD_ID" })
    }
    const at = yield* nowIso
    const now = new Date(at)
    const select = `SELECT d.record_id, d.batch_seq, d.file_id, b.institution, b.batch_id, d.local_id, d.path, d.line, d.status, d.stage, d.reason_code,
        d.duplicate_of, d.text_sha256, d.dedup_key, d.fields_json, d.quality_json, d.raw_bytes, d.encoding, d.lang, t.body
        FROM documents d JOIN batches b ON b.seq = d.batch_seq LEFT JOIN texts t ON t.sha256 = d.text_sha256`
    let batchSeq: number | undefined
    let targetRows: ReadonlyArray<DocumentRow>
    if (target.batch !== undefined) {
      batchSeq = (yield* findBatchRef(yield* catalog.batches, target.batch)).seq
      targetRows = yield* sql.unsafe<DocumentRow>(`${select} WHERE d.batch_seq = ? ORDER BY d.record_id`, [batchSeq]).pipe(Effect.mapError(fail("reading the batch's documents")))
    } else {
      targetRows = yield* sql.unsafe<DocumentRow>(`${select} WHERE d.record_id = ?`, [target.document!]).pipe(Effect.mapError(fail("reading the document")))
      if (targetRows.length === 0) {
        return yield* new UsageError({ message: `no document with record id "${target.document}" is in the catalog; a release record's "id" is its record id` })
      }
    }
    const rows = targetRows.filter((r) => r.stage !== "withdraw")
    const withdrawnIds = new Set(rows.map((r) => r.record_id))
    const params = minHashParams(dedupSettings)
    const compare = compareSurvivors(dedupSettings)

    return yield* sql
      .withTransaction(
        Effect.gen(function* () {
          const reelected: Array<{ withdrawn: string; survivor: string }> = []
          const removed: Array<{ recordId: string; buckets: ReadonlyArray<number> }> = []
          for (const row of rows) {
            yield* sql`UPDATE documents SET status = 'excluded', stage = 'withdraw', reason_code = 'withdrawn' WHERE record_id = ${row.record_id}`
            yield* sql`DELETE FROM notes WHERE record_id = ${row.record_id} AND kind = 'exclusion'`
            yield* sql`INSERT INTO notes ${sql.insert({ record_id: row.record_id, kind: "exclusion", stage: "withdraw", code: "withdrawn", detail: `withdrawn on ${at.slice(0, 10)}: ${reason}` })}`
            const stored = (yield* index.shingles([row.record_id]))[0]
            const set = stored?.shingles ?? shingles(stored?.text ?? row.body ?? "", params)
            removed.push({ recordId: row.record_id, buckets: set.length > 0 ? bandBuckets(signature(set, params), params) : [] })
            if (row.status !== "kept") continue
            // The withdrawn document stood for a cluster: the best copy still standing takes over.
            const copies = (yield* sql.unsafe<DocumentRow>(`${select} WHERE d.duplicate_of = ? AND d.stage = 'dedup'`, [row.record_id])).filter(
              (c) => !withdrawnIds.has(c.record_id) && c.body !== null
            )
            const facts = new Map((yield* index.survivorFacts(copies.map((c) => c.record_id))).map((f) => [f.facts.recordId, f.facts]))
            const ordered = copies.filter((c) => facts.has(c.record_id)).sort((a, b) => compare(facts.get(a.record_id)!, facts.get(b.record_id)!))
            const elected = yield* electSurvivor(ordered, (copy) =>
              Effect.gen(function* () {
                const gated = gateDocument(documentOf(copy), now)
                if (gated._tag !== "Kept") return false
                const g = gated.document.gate!
                yield* sql`UPDATE documents SET status = 'kept', stage = 'gate', reason_code = NULL, duplicate_of = NULL, license = ${g.license}, license_use = ${g.licenseUse},
                         attribution = ${g.attribution ? 1 : 0}, profiles_json = ${JSON.stringify(g.profiles)} WHERE record_id = ${copy.record_id}`
              yield* sql`DELETE FROM notes WHERE record_id = ${copy.record_id} AND kind = 'exclusion'`
              yield* sql`INSERT INTO notes ${sql.insert({ record_id: copy.record_id, kind: "flag", stage: "dedup", code: "re-elected", detail: `stands for its cluster since record ${row.record_id} was withdrawn on ${at.slice(0, 10)}` })}`
                return true
              })
            )
            if (elected === undefined) continue
            const survivor = elected.record_id
            reelected.push({ withdrawn: row.record_id, survivor })
            yield* sql`UPDATE documents SET duplicate_of = ${survivor} WHERE duplicate_of = ${row.record_id} AND record_id <> ${survivor}`
            yield* index.reassign(row.record_id, survivor)
          }
          // After re-election, so that the keys a withdrawn survivor stood for have passed to its successor.
          yield* index.remove(removed)
          let pendingFilesClosed = 0
          if (batchSeq !== undefined) {
            const closed = yield* sql<{ n: number }>`SELECT count(*) AS n FROM files WHERE batch_seq = ${batchSeq} AND status = 'pending'`
            pendingFilesClosed = closed[0]?.n ?? 0
            yield* sql`UPDATE files SET status = 'done' WHERE batch_seq = ${batchSeq} AND status = 'pending'`
          }
          yield* catalog.appendLedgerEntry(at, "withdrawn", {
            ...(target.batch !== undefined ? { batch: target.batch } : { document: target.document }),
            reason,
            documents: rows.length,
            records_sha256: sha256Hex([...withdrawnIds].sort().join("\n")),
            reelected: reelected.length
          })
          return { withdrawn: rows.length, reelected, pendingFilesClosed } satisfies WithdrawalResult
        })
      )
      .pipe(Effect.mapError((e) => (e instanceof CatalogError ? e : fail("withdrawing")(e))))
  })

/** A catalog row as the gate sees a document. */
const documentOf = (row: DocumentRow): PipelineDocument => ({
  recordId: row.record_id,
  fileId: row.file_id,
  source: { institution: row.institution, batch: row.batch_id, batchSeq: row.batch_seq, document: row.local_id, path: row.path, line: row.line },
  fields: JSON.parse(row.fields_json) as DocumentFields,
  fileSha256: "",
  rawBytes: row.raw_bytes,
  encoding: row.encoding ?? "",
  text: row.body ?? "",
  flags: [],
  ...(row.text_sha256 ? { textSha256: row.text_sha256 } : {}),
  ...(row.dedup_key ? { dedupKey: row.dedup_key } : {})
})
