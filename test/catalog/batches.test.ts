import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Batches } from "../../catalog/batches.ts"
import { Documents } from "../../catalog/documents.ts"
import { Ledger } from "../../catalog/ledger.ts"
import { sha256Hex } from "../../domain/hashing.ts"
import { at, document, keptAs, memoryCatalog, newBatch, registered } from "./memory.ts"

describe("Batches", () => {
  it.effect("registers a batch with its files, finds it by content and by id, and records it in the ledger", () =>
    Effect.gen(function* () {
      const batches = yield* Batches
      const batch = newBatch("biblioteca", "b1", ["a.txt", "docs.jsonl"], { bagInfo: { fields: { "Source-Organization": "Biblioteca" } } })
      const seq = yield* batches.registerBatch(batch)

      const byContent = yield* batches.findBatchByContent(batch.contentSha256)
      expect(byContent).toEqual({
        seq,
        institution: "biblioteca",
        batch_id: "b1",
        content_sha256: sha256Hex("biblioteca/b1"),
        title: "b1 of biblioteca",
        collection: null,
        stored_path: "/store/b1",
        submitted_at: at(1),
        bag_info_json: '{"fields":{"Source-Organization":"Biblioteca"}}'
      })
      expect(yield* batches.findBatch("biblioteca", "b1")).toEqual(byContent)
      expect(yield* batches.findBatch("universidad", "b1")).toBeUndefined()
      expect(yield* batches.findBatchByContent(sha256Hex("nothing"))).toBeUndefined()

      const entries = yield* (yield* Ledger).entries
      expect(entries.map((e) => [e.kind, e.entry])).toEqual([
        ["batch-submitted", { institution: "biblioteca", batch: "b1", sha256: batch.contentSha256, files: 2, bag: { "Source-Organization": "Biblioteca" } }]
      ])
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("refuses a second batch with the same institution and id, and leaves nothing of it behind", () =>
    Effect.gen(function* () {
      const batches = yield* Batches
      yield* batches.registerBatch(newBatch("biblioteca", "b1", ["a.txt"]))
      const again = yield* Effect.flip(batches.registerBatch(newBatch("biblioteca", "b1", ["b.txt"], { contentSha256: sha256Hex("other content") })))
      expect(again._tag).toBe("CatalogError")
      expect(again.operation).toBe("registering the batch")
      expect((yield* batches.pendingFiles(0, 10)).map((f) => f.path)).toEqual(["a.txt"])
      expect((yield* (yield* Ledger).entries).length).toBe(1)
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("pages pending files in id order with their stored path and fields, and counts them", () =>
    Effect.gen(function* () {
      const batches = yield* Batches
      const one = yield* batches.registerBatch(newBatch("biblioteca", "b1", ["a.txt", "b.txt", "c.txt"]))
      const two = yield* batches.registerBatch(newBatch("universidad", "u1", ["x.jsonl"], { submittedAt: at(2) }))

      const first = yield* batches.pendingFiles(0, 2)
      expect(first.map((f) => [f.institution, f.batchId, f.path, f.storedPath])).toEqual([
        ["biblioteca", "b1", "a.txt", "/store/b1/a.txt"],
        ["biblioteca", "b1", "b.txt", "/store/b1/b.txt"]
      ])
      expect(first[0]).toMatchObject({ batchSeq: one, bytes: 100, sha256: sha256Hex("a.txt"), documentId: undefined, doneUnits: 0 })
      expect(first[0]!.fields).toEqual({ license: "CC-BY-4.0", language: "spa", labels: ["TK Attribution"] })
      const rest = yield* batches.pendingFiles(first[1]!.fileId, 10)
      expect(rest.map((f) => f.path)).toEqual(["c.txt", "x.jsonl"])
      expect(yield* batches.countPendingFiles).toEqual({ n: 4 })
      // One batch's alone, as the intake server's background runs take them.
      expect((yield* batches.pendingFiles(0, 10, two)).map((f) => f.path)).toEqual(["x.jsonl"])
      expect((yield* batches.pendingFiles(first[0]!.fileId, 10, one)).map((f) => f.path)).toEqual(["b.txt", "c.txt"])
      expect(yield* batches.countPendingFilesOf(one)).toEqual({ n: 3 })
      expect(yield* batches.countPendingFilesOf(two)).toEqual({ n: 1 })
      expect(yield* batches.pendingFilesOf(one, 10)).toEqual([
        { path: "a.txt", format: "text", bytes: 100 },
        { path: "b.txt", format: "text", bytes: 101 },
        { path: "c.txt", format: "text", bytes: 102 }
      ])
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("lists batches with their counts, and a batch's documents with their notes, a page at a time", () =>
    Effect.gen(function* () {
      const batches = yield* Batches
      const documents = yield* Documents
      const b1 = { institution: "biblioteca", batchId: "b1", ...(yield* registered(newBatch("biblioteca", "b1", ["docs.jsonl", "later.txt"]))) }
      const runId = yield* documents.startRun(at(2), "cfg")
      const a = document(b1, b1.fileId("docs.jsonl"), "a", "Todos los seres humanos nacen libres")
      const b = document(b1, b1.fileId("docs.jsonl"), "b", "x", { flags: [{ stage: "quality", code: "short", detail: "1 word" }] })
      yield* documents.persistChunk(runId, [keptAs(a), { _tag: "Excluded", document: b, reason: { stage: "quality", code: "too-short", detail: "1 word, fewer than 5" } }], [
        { fileId: b1.fileId("docs.jsonl"), units: 2, done: true }
      ])

      const [listed] = yield* batches.batches
      expect(listed).toMatchObject({ institution: "biblioteca", batch_id: "b1", files: 2, pending: 1, kept: 1, excluded: 1, withdrawn: 0 })

      const ordered = [a, b].map((d) => d.recordId).sort()
      const page = yield* batches.batchDocuments(b1.seq, "", 1)
      expect(page.docs.map((d) => d.record_id)).toEqual([ordered[0]])
      const all = yield* batches.batchDocuments(b1.seq, "", 10)
      expect(all.docs.find((d) => d.record_id === b.recordId)).toEqual({
        record_id: b.recordId,
        local_id: "b",
        path: "docs.jsonl",
        line: 1,
        status: "excluded",
        stage: "quality",
        reason_code: "too-short",
        lang: "spa",
        duplicate_of: null,
        similarity: null
      })
      expect(all.notes).toEqual([
        { record_id: b.recordId, kind: "flag", stage: "quality", code: "short", detail: "1 word" },
        { record_id: b.recordId, kind: "exclusion", stage: "quality", code: "too-short", detail: "1 word, fewer than 5" }
      ])
      expect((yield* batches.batchDocuments(b1.seq, ordered[1]!, 10)).docs).toEqual([])
      expect(yield* batches.recordOwner(a.recordId)).toEqual({ institution: "biblioteca", batch_id: "b1" })
      expect(yield* batches.recordOwner("no-such-record")).toBeUndefined()
    }).pipe(Effect.provide(memoryCatalog))
  )
})
