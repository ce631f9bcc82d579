import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Batches } from "../../catalog/batches.ts"
import { Documents } from "../../catalog/documents.ts"
import { Traces } from "../../catalog/traces.ts"
import { Withdrawals } from "../../catalog/withdrawals.ts"
import { at, document, keptAs, memoryCatalog, newBatch, registered } from "./memory.ts"

/** A survivor of one institution with an exact and a near copy of another's, and a batch with a file still pending. */
const cluster = Effect.gen(function* () {
  const documents = yield* Documents
  const b1 = { institution: "biblioteca", batchId: "b1", ...(yield* registered(newBatch("biblioteca", "b1", ["docs.jsonl"]))) }
  const u1 = { institution: "universidad", batchId: "u1", ...(yield* registered(newBatch("universidad", "u1", ["docs.jsonl", "later.txt"], { submittedAt: at(2) }))) }
  const runId = yield* documents.startRun(at(3), "cfg")
  const text = "Todos los seres humanos nacen libres e iguales en dignidad y derechos"
  const survivor = document(b1, b1.fileId("docs.jsonl"), "original", text)
  const exact = document(u1, u1.fileId("docs.jsonl"), "exacta", text, { duplicateOf: survivor.recordId, similarity: 1 })
  const near = document(u1, u1.fileId("docs.jsonl"), "cercana", `${text}.`, { duplicateOf: survivor.recordId, similarity: 0.93, source: { ...exact.source, document: "cercana", line: 2 } })
  yield* documents.persistChunk(
    runId,
    [
      keptAs(survivor),
      { _tag: "Excluded", document: exact, reason: { stage: "dedup", code: "exact-duplicate", detail: `same text as ${survivor.recordId} (biblioteca/docs.jsonl)` } },
      { _tag: "Excluded", document: near, reason: { stage: "dedup", code: "near-duplicate", detail: "similarity 0.93" } }
    ],
    [{ fileId: b1.fileId("docs.jsonl"), units: 1, done: true }, { fileId: u1.fileId("docs.jsonl"), units: 2, done: true }]
  )
  return { b1, u1, survivor, exact, near }
})

describe("Withdrawals", () => {
  it.effect("reads a batch's documents and a survivor's copies with their text and fields", () =>
    Effect.gen(function* () {
      const { u1, survivor, exact, near } = yield* cluster
      const withdrawals = yield* Withdrawals
      expect((yield* withdrawals.documentsOfBatch(u1.seq)).map((r) => r.record_id)).toEqual([exact.recordId, near.recordId].sort())
      const row = yield* withdrawals.document(survivor.recordId)
      expect(row).toMatchObject({ record_id: survivor.recordId, institution: "biblioteca", batch_id: "b1", status: "kept", stage: "gate", body: survivor.text, dedup_key: survivor.dedupKey })
      expect(row!.fields_json).toEqual({ language: "spa", license: "CC-BY-4.0" })
      expect(yield* withdrawals.document("no-such-record")).toBeUndefined()
      const copies = yield* withdrawals.copiesOf(survivor.recordId)
      expect(copies.map((c) => [c.local_id, c.reason_code, c.body])).toEqual(
        expect.arrayContaining([
          ["exacta", "exact-duplicate", survivor.text],
          ["cercana", "near-duplicate", near.text]
        ])
      )
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("withdraws a survivor, reinstates a copy in its place, repoints the cluster and closes pending files in one transaction", () =>
    Effect.gen(function* () {
      const { u1, survivor, exact, near } = yield* cluster
      const withdrawals = yield* Withdrawals
      const closed = yield* withdrawals.transaction(
        Effect.gen(function* () {
          yield* withdrawals.markWithdrawn(survivor.recordId, "withdrawn on 2031-05-09: consent revoked")
          yield* withdrawals.reinstate(exact.recordId, { license: "CC-BY-4.0", licenseUse: "open", attribution: true, profiles: ["open"] }, `stands for its cluster since record ${survivor.recordId} was withdrawn`)
          yield* withdrawals.repointCopies(survivor.recordId, exact.recordId)
          return yield* withdrawals.closePendingFiles(u1.seq)
        })
      )
      expect(closed).toBe(1)
      expect(yield* (yield* Batches).countPendingFiles).toEqual({ n: 0 })

      const traces = yield* Traces
      expect(yield* traces.record(survivor.recordId)).toMatchObject({ status: "excluded", stage: "withdraw", reason_code: "withdrawn" })
      expect(yield* traces.notes(survivor.recordId)).toEqual([{ kind: "exclusion", stage: "withdraw", code: "withdrawn", detail: "withdrawn on 2031-05-09: consent revoked" }])
      expect(yield* traces.record(exact.recordId)).toMatchObject({ status: "kept", stage: "gate", reason_code: null, duplicate_of: null, license_use: "open", attribution: 1 })
      expect(yield* traces.notes(exact.recordId)).toEqual([{ kind: "flag", stage: "dedup", code: "re-elected", detail: `stands for its cluster since record ${survivor.recordId} was withdrawn` }])
      expect(yield* traces.record(near.recordId)).toMatchObject({ duplicate_of: exact.recordId })
      expect((yield* traces.mergedCopies(exact.recordId)).map((c) => [c.local_id, c.reason_code, c.similarity])).toEqual([["cercana", "near-duplicate", 0.93]])
      expect(yield* traces.mergedCopies(survivor.recordId)).toEqual([])
    }).pipe(Effect.provide(memoryCatalog))
  )
})
