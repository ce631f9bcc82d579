import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Data, Effect } from "effect"
import { Batches } from "../../catalog/batches.ts"
import { DedupReport } from "../../catalog/dedup-report.ts"
import { Documents } from "../../catalog/documents.ts"
import { Ledger } from "../../catalog/ledger.ts"
import type { StageOutcome } from "../../domain/document.ts"
import { DedupIndex } from "../../stages/dedup/dedup-index.ts"
import { at, document, keptAs, memoryCatalog, newBatch, registered } from "./memory.ts"

class DiskFull extends Data.TaggedError("DiskFull") {}

const excludedAs = (d: Parameters<typeof keptAs>[0], stage: string, code: string, detail: string): StageOutcome => ({ _tag: "Excluded", document: d, reason: { stage, code, detail } })

/** Two batches, one chunk each: kept documents in two languages, quality and dedup exclusions, a flag. */
const processed = Effect.gen(function* () {
  const documents = yield* Documents
  const b1 = { institution: "biblioteca", batchId: "b1", ...(yield* registered(newBatch("biblioteca", "b1", ["docs.jsonl", "big.txt"]))) }
  const u1 = { institution: "universidad", batchId: "u1", ...(yield* registered(newBatch("universidad", "u1", ["docs.jsonl"], { submittedAt: at(2) }))) }
  const runId = yield* documents.startRun(at(3), "cfg-1")
  const survivor = document(b1, b1.fileId("docs.jsonl"), "udhr-1", "Todos los seres humanos nacen libres e iguales en dignidad")
  const rap = document(b1, b1.fileId("docs.jsonl"), "rap-1", "Ko te mana'u", {
    language: { lang: "rap", score: 0.71, langs: { rap: 0.71 }, declared: "rap", detected: "rap" },
    flags: [{ stage: "langid", code: "lang-uncertain", detail: "score 0.71" }]
  })
  const short = document(b1, b1.fileId("docs.jsonl"), "short", "Hola")
  const copy = document(u1, u1.fileId("docs.jsonl"), "copia", survivor.text, { duplicateOf: survivor.recordId, similarity: 1 })
  const chunk = [
    keptAs(survivor),
    keptAs(rap),
    excludedAs(short, "quality", "too-short", "1 word"),
    excludedAs(copy, "dedup", "exact-duplicate", `same text as ${survivor.recordId}`)
  ]
  yield* documents.persistChunk(runId, chunk, [
    { fileId: b1.fileId("docs.jsonl"), units: 3, done: true },
    { fileId: b1.fileId("big.txt"), units: 40, done: false },
    { fileId: u1.fileId("docs.jsonl"), units: 1, done: true }
  ])
  return { runId, b1, u1, survivor, rap, short, copy }
})

describe("Documents", () => {
  it.effect("persists a chunk: documents with their outcome, notes, texts and the files' progress", () =>
    Effect.gen(function* () {
      const { b1, u1, survivor, rap, short, copy } = yield* processed
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT local_id, status, stage, reason_code, lang, license_use, attribution, profiles_json, duplicate_of, chars FROM documents ORDER BY local_id`
      expect(rows).toEqual([
        { local_id: "copia", status: "excluded", stage: "dedup", reason_code: "exact-duplicate", lang: "spa", license_use: null, attribution: null, profiles_json: null, duplicate_of: survivor.recordId, chars: survivor.text.length },
        { local_id: "rap-1", status: "kept", stage: "gate", reason_code: null, lang: "rap", license_use: "open", attribution: 1, profiles_json: '["open"]', duplicate_of: null, chars: rap.text.length },
        { local_id: "short", status: "excluded", stage: "quality", reason_code: "too-short", lang: "spa", license_use: null, attribution: null, profiles_json: null, duplicate_of: null, chars: 4 },
        { local_id: "udhr-1", status: "kept", stage: "gate", reason_code: null, lang: "spa", license_use: "open", attribution: 1, profiles_json: '["open"]', duplicate_of: null, chars: survivor.text.length }
      ])
      // The survivor's and the copy's text are one row; an excluded document's text is not kept.
      expect(yield* sql`SELECT sha256 FROM texts ORDER BY sha256`).toEqual([survivor.textSha256!, rap.textSha256!].sort().map((sha256) => ({ sha256 })))
      expect(short.textSha256).toBeDefined()
      expect(copy.textSha256).toBe(survivor.textSha256)

      const batches = yield* Batches
      expect(yield* batches.countPendingFiles).toEqual({ n: 1 })
      const [pending] = yield* batches.pendingFiles(0, 10)
      expect(pending).toMatchObject({ fileId: b1.fileId("big.txt"), doneUnits: 40 })
      expect(yield* (yield* Documents).existingRecordIds([survivor.recordId, "unknown", copy.recordId])).toEqual(new Set([survivor.recordId, copy.recordId]))
      expect(u1.seq).toBeGreaterThan(b1.seq)
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("counts documents by stage, notes by code, kept characters and quality exclusions by language, of all batches or one", () =>
    Effect.gen(function* () {
      const { b1, u1, survivor, rap } = yield* processed
      const documents = yield* Documents
      expect([...(yield* documents.documentsByStage())].sort((a, b) => a.stage.localeCompare(b.stage))).toEqual([
        { status: "excluded", stage: "dedup", n: 1 },
        { status: "kept", stage: "gate", n: 2 },
        { status: "excluded", stage: "quality", n: 1 }
      ])
      expect(yield* documents.documentsByStage(u1.seq)).toEqual([{ status: "excluded", stage: "dedup", n: 1 }])
      expect(yield* documents.countsByCode("exclusion")).toEqual([
        { code: "exact-duplicate", stage: "dedup", n: 1 },
        { code: "too-short", stage: "quality", n: 1 }
      ])
      expect(yield* documents.countsByCode("exclusion", b1.seq)).toEqual([{ code: "too-short", stage: "quality", n: 1 }])
      expect(yield* documents.countsByCode("flag")).toEqual([{ code: "lang-uncertain", stage: "langid", n: 1 }])
      expect(yield* documents.countsByCode("flag", u1.seq)).toEqual([])
      expect(yield* documents.keptByLanguage).toEqual([
        { lang: "rap", n: 1, chars: rap.text.length },
        { lang: "spa", n: 1, chars: survivor.text.length }
      ])
      expect(yield* documents.exclusionsByLanguage("quality")).toEqual([{ code: "too-short", lang: "spa", n: 1 }])
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("finishes a run into the ledger with its totals", () =>
    Effect.gen(function* () {
      const { runId } = yield* processed
      const documents = yield* Documents
      yield* documents.finishRun(runId, at(4), { files: 2, documents: 4, kept: 2, excluded: { "too-short": 1, "exact-duplicate": 1 }, demoted: 1 })
      const entries = yield* (yield* Ledger).entries
      expect(entries.map((e) => e.kind)).toEqual(["batch-submitted", "batch-submitted", "run-finished"])
      expect(entries[2]).toMatchObject({ seq: 3, kind: "run-finished", at: at(4), entry: { run: runId, files: 2, documents: 4, kept: 2, excluded: { "exact-duplicate": 1, "too-short": 1 }, demoted: 1 } })
      const sql = yield* SqlClient.SqlClient
      expect(yield* sql`SELECT status, finished_at FROM runs WHERE id = ${runId}`).toEqual([{ status: "finished", finished_at: at(4) }])
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("a chunk's documents and the DedupIndex's commit share one transaction: a failure leaves neither", () =>
    Effect.gen(function* () {
      const documents = yield* Documents
      const index = yield* DedupIndex
      const b1 = { institution: "biblioteca", batchId: "b1", ...(yield* registered(newBatch("biblioteca", "b1", ["docs.jsonl"]))) }
      const runId = yield* documents.startRun(at(2), "cfg")
      const doc = document(b1, b1.fileId("docs.jsonl"), "a", "Todos los seres humanos nacen libres")
      const entry = { recordId: doc.recordId, dedupKey: doc.dedupKey!, survivor: doc.recordId, buckets: [11, 12], shingles: new Uint32Array([3, 5, 8]) }
      const chunk = (then: Effect.Effect<void, DiskFull>) =>
        documents.transaction(Effect.all([documents.persistChunk(runId, [keptAs(doc)], [{ fileId: b1.fileId("docs.jsonl"), units: 1, done: true }]), index.add([entry]), then], { discard: true }))

      const failed = yield* Effect.flip(chunk(new DiskFull()))
      expect(failed._tag).toBe("DiskFull")
      expect(yield* documents.existingRecordIds([doc.recordId])).toEqual(new Set())
      expect(yield* index.survivorsByKey([doc.dedupKey!])).toEqual(new Map())
      expect(yield* (yield* Batches).countPendingFiles).toEqual({ n: 1 })

      yield* chunk(Effect.void)
      expect(yield* documents.existingRecordIds([doc.recordId])).toEqual(new Set([doc.recordId]))
      expect(yield* index.survivorsByKey([doc.dedupKey!])).toEqual(new Map([[doc.dedupKey!, doc.recordId]]))
      expect(yield* index.candidates([12])).toEqual([{ bucket: 12, recordId: doc.recordId }])
      expect(yield* (yield* Batches).countPendingFiles).toEqual({ n: 0 })

      // What the dedup bench reads of it: one document in the index, on some pages of its own.
      const footprint = yield* (yield* DedupReport).indexFootprint
      expect(footprint.indexed).toBe(1)
      expect(footprint.bytes).toBeGreaterThan(0)
      expect(yield* (yield* DedupReport).decisions).toEqual([{ local_id: "a", status: "kept", stage: "gate", reason_code: null, survivor: null }])
    }).pipe(Effect.provide(memoryCatalog))
  )
})
