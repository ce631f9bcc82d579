import { Effect } from "effect"
import { minHashParams } from "../stages/dedup/config.ts"
import { dedupStage } from "../stages/dedup/dedup.ts"
import { DedupIndex } from "../stages/dedup/dedup-index.ts"
import { bandBuckets, shingles, signature } from "../stages/dedup/minhash.ts"
import { compareSurvivors, electSurvivor } from "../stages/dedup/survivor.ts"
import { gateDocument } from "../stages/gate/gate.ts"
import type { PipelineDocument } from "../domain/document.ts"
import { Batches } from "../catalog/batches.ts"
import { Ledger } from "../catalog/ledger.ts"
import { Withdrawals, type WithdrawalRow } from "../catalog/withdrawals.ts"
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
  /** The target was withdrawn before: nothing changed and nothing was recorded. */
  readonly alreadyWithdrawn: boolean
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
    const withdrawals = yield* Withdrawals
    const ledger = yield* Ledger
    if (reason.trim().length === 0) return yield* new UsageError({ message: "say why with --reason TEXT: the reason is kept in the ledger for auditors" })
    if ((target.batch === undefined) === (target.document === undefined)) {
      return yield* new UsageError({ message: "withdraw takes exactly one of --batch ID (or INSTITUTION/ID) and --document RECORD_ID" })
    }
    const at = yield* nowIso
    const now = new Date(at)
    let batchSeq: number | undefined
    let targetRows: ReadonlyArray<WithdrawalRow>
    if (target.batch !== undefined) {
      batchSeq = (yield* findBatchRef(yield* (yield* Batches).batches, target.batch)).seq
      targetRows = yield* withdrawals.documentsOfBatch(batchSeq)
    } else {
      const row = yield* withdrawals.document(target.document!)
      if (!row) {
        return yield* new UsageError({ message: `no document with record id "${target.document}" is in the catalog; a release record's "id" is its record id` })
      }
      targetRows = [row]
    }
    const rows = targetRows.filter((r) => r.stage !== "withdraw")
    // Already in full effect (a withdrawal run again, e.g. after it was killed once it had committed): nothing to record twice.
    if (rows.length === 0 && targetRows.length > 0 && (batchSeq === undefined || (yield* withdrawals.pendingFiles(batchSeq)) === 0)) {
      return { withdrawn: 0, reelected: [], pendingFilesClosed: 0, alreadyWithdrawn: true } satisfies WithdrawalResult
    }
    const withdrawnIds = new Set(rows.map((r) => r.record_id))
    const params = minHashParams(dedupSettings)
    const compare = compareSurvivors(dedupSettings)

    return yield* withdrawals
      .transaction(
        Effect.gen(function* () {
          const reelected: Array<{ withdrawn: string; survivor: string }> = []
          const removed: Array<{ recordId: string; buckets: ReadonlyArray<number> }> = []
          for (const row of rows) {
            yield* withdrawals.markWithdrawn(row.record_id, `withdrawn on ${at.slice(0, 10)}: ${reason}`)
            const stored = (yield* index.shingles([row.record_id]))[0]
            const set = stored?.shingles ?? shingles(stored?.text ?? row.body ?? "", params)
            removed.push({ recordId: row.record_id, buckets: set.length > 0 ? bandBuckets(signature(set, params), params) : [] })
            if (row.status !== "kept") continue
            // The withdrawn document stood for a cluster: the best copy still standing takes over.
            const copies = (yield* withdrawals.copiesOf(row.record_id)).filter(
              (c) => !withdrawnIds.has(c.record_id) && c.body !== null
            )
            const facts = new Map((yield* index.survivorFacts(copies.map((c) => c.record_id))).map((f) => [f.facts.recordId, f.facts]))
            const ordered = copies.filter((c) => facts.has(c.record_id)).sort((a, b) => compare(facts.get(a.record_id)!, facts.get(b.record_id)!))
            const elected = yield* electSurvivor(ordered, (copy) =>
              Effect.gen(function* () {
                const gated = gateDocument(documentOf(copy), now)
                if (gated._tag !== "Kept") return false
                yield* withdrawals.reinstate(copy.record_id, gated.document.gate!, `stands for its cluster since record ${row.record_id} was withdrawn on ${at.slice(0, 10)}`)
                return true
              })
            )
            if (elected === undefined) continue
            const survivor = elected.record_id
            reelected.push({ withdrawn: row.record_id, survivor })
            yield* withdrawals.repointCopies(row.record_id, survivor)
            yield* index.reassign(row.record_id, survivor)
          }
          // After re-election, so that the keys a withdrawn survivor stood for have passed to its successor.
          yield* index.remove(removed)
          const pendingFilesClosed = batchSeq !== undefined ? yield* withdrawals.closePendingFiles(batchSeq) : 0
          yield* ledger.append(at, {
            kind: "withdrawn",
            ...(target.batch !== undefined ? { batch: target.batch } : { document: target.document! }),
            reason,
            documents: rows.length,
            records_sha256: sha256Hex([...withdrawnIds].sort().join("\n")),
            reelected: reelected.length
          })
          return { withdrawn: rows.length, reelected, pendingFilesClosed, alreadyWithdrawn: false } satisfies WithdrawalResult
        })
      )
      .pipe(Effect.mapError((e) => (e instanceof CatalogError ? e : fail("withdrawing")(e))))
  })

/** A catalog row as the gate sees a document. */
const documentOf = (row: WithdrawalRow): PipelineDocument => ({
  recordId: row.record_id,
  fileId: row.file_id,
  source: { institution: row.institution, batch: row.batch_id, batchSeq: row.batch_seq, document: row.local_id, path: row.path, line: row.line },
  fields: row.fields_json,
  fileSha256: "",
  rawBytes: row.raw_bytes,
  encoding: row.encoding ?? "",
  text: row.body ?? "",
  flags: [],
  ...(row.text_sha256 ? { textSha256: row.text_sha256 } : {}),
  ...(row.dedup_key ? { dedupKey: row.dedup_key } : {})
})
