import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Documents } from "../../catalog/documents.ts"
import { Ledger } from "../../catalog/ledger.ts"
import { Releases } from "../../catalog/releases.ts"
import { Withdrawals } from "../../catalog/withdrawals.ts"
import { sha256Hex } from "../../domain/hashing.ts"
import { at, document, keptAs, memoryCatalog, newBatch, registered } from "./memory.ts"

const shards = [
  { path: "shards/open/spa/part-00000.jsonl.gz", sha256: sha256Hex("part 0"), bytes: 2048, documents: 2 },
  { path: "shards/open/rap/part-00000.jsonl.gz", sha256: sha256Hex("part 1"), bytes: 512, documents: 1 }
]

/** Three kept documents in two languages and a near-duplicate copy of one of them. */
const catalogued = Effect.gen(function* () {
  const documents = yield* Documents
  const b1 = { institution: "biblioteca", batchId: "b1", ...(yield* registered(newBatch("biblioteca", "b1", ["docs.jsonl"]))) }
  const u1 = { institution: "universidad", batchId: "u1", ...(yield* registered(newBatch("universidad", "u1", ["docs.jsonl"], { submittedAt: at(2) }))) }
  const runId = yield* documents.startRun(at(3), "cfg")
  const spa = ["Artículo 1. Todos los seres humanos nacen libres", "Artículo 2. Toda persona tiene todos los derechos"].map((text, i) => document(b1, b1.fileId("docs.jsonl"), `spa-${i}`, text))
  const rap = document(b1, b1.fileId("docs.jsonl"), "rap-0", "Ko te mana'u o te tangata", {
    language: { lang: "rap", score: 0.8, langs: { rap: 0.8, spa: 0.1 }, declared: "rap", detected: "rap" },
    pii: { EMAIL: 1 }
  })
  const copy = document(u1, u1.fileId("docs.jsonl"), "copia", "Artículo 1.\nTodos los seres humanos nacen libres.", { duplicateOf: spa[0]!.recordId, similarity: 0.91 })
  yield* documents.persistChunk(
    runId,
    [...spa.map((d) => keptAs(d)), keptAs(rap, ["open", "research"]), { _tag: "Excluded", document: copy, reason: { stage: "dedup", code: "near-duplicate", detail: "0.91" } }],
    []
  )
  return { b1, u1, spa, rap, copy }
})

describe("Releases", () => {
  it.effect("records a release with its shards and a ledger entry, reads it back, and replaces one of the same name", () =>
    Effect.gen(function* () {
      const releases = yield* Releases
      expect(yield* releases.latestRelease).toBeUndefined()
      expect(yield* releases.release("r1")).toEqual({ release: undefined, shards: [], withdrawn: [] })
      yield* releases.recordRelease({ name: "r1", createdAt: at(5), manifestSha256: sha256Hex("manifest 1"), outDir: "/out/r1", previous: null, shards })
      yield* releases.recordRelease({ name: "r2", createdAt: at(6), manifestSha256: sha256Hex("manifest 2"), outDir: "/out/r2", previous: "r1", shards: shards.slice(0, 1) })

      expect(yield* releases.release("r1")).toEqual({ release: { name: "r1", manifest_sha256: sha256Hex("manifest 1") }, shards: [shards[1], shards[0]], withdrawn: [] })
      expect(yield* releases.latestRelease).toEqual({ name: "r2", manifest_sha256: sha256Hex("manifest 2"), out_dir: "/out/r2" })
      expect(yield* releases.releases).toEqual([
        { name: "r1", created_at: at(5), manifest_sha256: sha256Hex("manifest 1"), out_dir: "/out/r1", previous: null, shards: 2, documents: 3 },
        { name: "r2", created_at: at(6), manifest_sha256: sha256Hex("manifest 2"), out_dir: "/out/r2", previous: "r1", shards: 1, documents: 2 }
      ])

      // Rebuilt under the same name: the old shards go.
      yield* releases.recordRelease({ name: "r1", createdAt: at(7), manifestSha256: sha256Hex("manifest 1b"), outDir: "/out/r1", previous: null, shards: shards.slice(1) })
      expect((yield* releases.release("r1")).shards).toEqual([shards[1]])
      expect((yield* releases.latestRelease)?.name).toBe("r1")

      const ledger = yield* Ledger
      expect((yield* ledger.entries).map((e) => e.entry)).toEqual([
        { release: "r1", manifest_sha256: sha256Hex("manifest 1"), shards: 2 },
        { release: "r2", manifest_sha256: sha256Hex("manifest 2"), shards: 1 },
        { release: "r1", manifest_sha256: sha256Hex("manifest 1b"), shards: 1 }
      ])
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("pages kept documents in (language, record id) order with their text, and their merged copies", () =>
    Effect.gen(function* () {
      const { spa, rap, copy } = yield* catalogued
      const releases = yield* Releases
      const first = yield* releases.keptPage({ lang: "", recordId: "" }, 2)
      const spaIds = spa.map((d) => d.recordId).sort()
      expect(first.map((r) => [r.lang, r.record_id])).toEqual([
        ["rap", rap.recordId],
        ["spa", spaIds[0]]
      ])
      expect(first[0]).toEqual({
        record_id: rap.recordId,
        institution: "biblioteca",
        batch_id: "b1",
        submitted_at: at(1),
        local_id: "rap-0",
        path: "docs.jsonl",
        lang: "rap",
        lang_score: 0.8,
        langs_json: '{"rap":0.8,"spa":0.1}',
        text_sha256: sha256Hex(rap.text),
        license: "CC-BY-4.0",
        license_use: "open",
        attribution: 1,
        profiles_json: '["open","research"]',
        fields_json: '{"language":"spa","license":"CC-BY-4.0"}',
        pii_json: '{"EMAIL":1}',
        annotations_json: null,
        body: rap.text
      })
      const second = yield* releases.keptPage({ lang: "spa", recordId: spaIds[0]! }, 2)
      expect(second.map((r) => r.record_id)).toEqual([spaIds[1]])
      expect(yield* releases.keptPage({ lang: "spa", recordId: spaIds[1]! }, 2)).toEqual([])

      expect(yield* releases.duplicateSources([spa[0]!.recordId, spa[1]!.recordId])).toEqual([
        { duplicate_of: spa[0]!.recordId, institution: "universidad", batch_id: "u1", local_id: "copia", path: "docs.jsonl", reason_code: "near-duplicate", similarity: 0.91, body: copy.text }
      ])
      expect(yield* releases.duplicateSources([])).toEqual([])
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("lists withdrawn documents as tombstones and as a release's withdrawn records, and leaves them out of kept pages", () =>
    Effect.gen(function* () {
      const { rap } = yield* catalogued
      const withdrawals = yield* Withdrawals
      yield* withdrawals.transaction(withdrawals.markWithdrawn(rap.recordId, "withdrawn on 2031-05-08: asked by the community"))
      const releases = yield* Releases
      expect(yield* releases.tombstones).toEqual([{ id: rap.recordId, sha256: sha256Hex(rap.text), institution: "biblioteca", batch: "b1", document: "rap-0" }])
      expect((yield* releases.release("any")).withdrawn).toEqual([rap.recordId])
      expect((yield* releases.keptPage({ lang: "", recordId: "" }, 10)).map((r) => r.lang)).toEqual(["spa", "spa"])
    }).pipe(Effect.provide(memoryCatalog))
  )
})
