import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { SqlClient } from "@effect/sql"
import type { AcervoSettings } from "../../pipeline/config.ts"
import { evaluateDedup, evaluationBatch } from "../../bench/dedup-eval.ts"
import { loadReferenceTexts } from "../../bench/reference-texts.ts"
import { writeRelease } from "../../pipeline/release.ts"
import { processPending } from "../../pipeline/run.ts"
import { statusReport } from "../../pipeline/status.ts"
import { bandBuckets, candidateProbability, jaccard, shingles, signature } from "../../stages/dedup/minhash.ts"
import { defaultPlantOptions, plantCorpus, type PlantedPair } from "../../bench/dedup-plant.ts"
import type { ReleaseRecord } from "../../stages/shard/record.ts"
import { tempDir, withApp } from "../helpers.ts"

const texts = await loadReferenceTexts()
/** A long stretch of a real novel: paragraphs `from`…`from + n` of Pipá. */
const novel = (from: number, n: number) => texts.eltec.spa.slice(from, from + n).join("\n\n")

const estimate = (a: string, b: string) => {
  const sa = signature(shingles(a))
  const sb = signature(shingles(b))
  return sa.reduce((n, v, i) => n + (v === sb[i] ? 1 : 0), 0) / sa.length
}

describe("MinHash over dedup-key shingles", () => {
  it("folds typing conventions, so copies in another orthography share every shingle", () => {
    const turn = texts.avenue[0]!.arn.slice(0, 40).join("\n")
    const ragileo = turn.replace(/ng/g, "\u0000").replace(/g/g, "q").replace(/\u0000/g, "g").replace(/ch/g, "c").replace(/ll/g, "j").replace(/tr/g, "x").replace(/d/g, "z").replace(/ü/g, "v")
    expect(ragileo).not.toBe(turn)
    expect(jaccard(shingles(turn), shingles(ragileo))).toBe(1)
    const rap = texts.rap.slice(0, 30).join(" ")
    const typed = rap.replace(/ꞌ/g, "'").replace(/ŋ/g, "ng").normalize("NFD").replace(/\u0304/g, "")
    expect(jaccard(shingles(rap), shingles(typed))).toBe(1)
    const spa = novel(10, 5)
    expect(jaccard(shingles(spa), shingles(spa.normalize("NFD").replace(/\u0301/g, "").normalize("NFC").replace(/\n/g, " ")))).toBe(1)
  })

  it("has nothing to shingle below five words, and estimates Jaccard within MinHash's error on real text", () => {
    expect(shingles("Iorana koe ꞌe te").length).toBe(0)
    expect(shingles("Iorana koe ꞌe te hoa").length).toBe(1)
    const whole = novel(20, 12)
    const paragraphs = whole.split("\n\n")
    const excerpt = [...paragraphs.slice(0, 4), ...paragraphs.slice(6)].join("\n\n")
    const exact = jaccard(shingles(whole), shingles(excerpt))
    expect(exact).toBeGreaterThan(0.5)
    expect(exact).toBeLessThan(1)
    expect(Math.abs(estimate(whole, excerpt) - exact)).toBeLessThan(0.15)
    expect(estimate(whole, novel(60, 12))).toBeLessThan(0.1)
    expect(bandBuckets(signature(shingles(whole)))).toHaveLength(14)
    expect(candidateProbability(0.9)).toBeGreaterThan(0.99)
    expect(candidateProbability(0.5)).toBeLessThan(0.06)
  })
})

const run = <A, E>(home: string, effect: Effect.Effect<A, E, any>, overrides: Partial<AcervoSettings> = {}, environment: Record<string, string> = {}) =>
  Effect.runPromise(withApp(home, overrides, environment)(effect) as Effect.Effect<A, unknown>)

const batch = (institution: string, id: string, docs: ReadonlyArray<Record<string, unknown>>) => {
  const dir = join(tempDir(), id)
  mkdirSync(dir)
  writeFileSync(join(dir, "docs.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n")
  writeFileSync(
    join(dir, "batch.json"),
    JSON.stringify({ format: "acervo-batch/1", institution, id, defaults: { language: "spa", license: "CC-BY-4.0", consent: { basis: "license", reference: "r", scope: ["pretraining"] } } })
  )
  return dir
}

const documents = (home: string) =>
  run(
    home,
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ local_id: string; status: string; reason_code: string | null; duplicate_of: string | null; similarity: number | null; record_id: string }>`SELECT local_id, status, reason_code, duplicate_of, similarity, record_id FROM documents ORDER BY local_id`
    )
  )

const releaseRecords = async (home: string): Promise<Array<ReleaseRecord>> => {
  const out = tempDir()
  const { dir, manifest } = await run(home, writeRelease({ name: "r", outDir: out, profiles: ["open"] }))
  return manifest.shards.filter((s: { format?: string }) => s.format === "jsonl").flatMap((s) => gunzipSync(readFileSync(join(dir, s.path))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as ReleaseRecord))
}

describe("near-duplicate detection across batches", () => {
  const original = novel(30, 14)
  const paragraphs = original.split("\n\n")
  // Another institution's copy: a header added, one paragraph left out, lines wrapped anew.
  const copy = ["Biblioteca Nacional Digital — copia de consulta", ...paragraphs.slice(0, 9), ...paragraphs.slice(10)].join("\n\n").replace(/\. /g, ".\n")
  const unrelated = novel(80, 14)

  it("merges another institution's copy into the earlier one, from the index, and the survivor lists it", async () => {
    const home = tempDir()
    await run(home, submitBatch(batch("universidad", "u1", [{ id: "pipa", text: original }, { id: "otra", text: unrelated }])))
    await run(home, processPending)
    const indexed = await run(home, Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT count(*) AS n FROM lsh_buckets`))
    expect(indexed[0]!.n).toBe(28)
    await run(home, submitBatch(batch("biblioteca", "b1", [{ id: "pipa-bn", text: copy }])))
    const second = await run(home, processPending)
    expect(second.excluded).toEqual({ "near-duplicate": 1 })
    const rows = await documents(home)
    const pipa = rows.find((r) => r.local_id === "pipa")!
    const bn = rows.find((r) => r.local_id === "pipa-bn")!
    expect(bn).toMatchObject({ status: "excluded", reason_code: "near-duplicate", duplicate_of: pipa.record_id })
    expect(bn.similarity).toBeGreaterThanOrEqual(0.8)
    expect(bn.similarity).toBeLessThan(1)
    const record = (await releaseRecords(home)).find((r) => r.id === pipa.record_id)!
    expect(record.cluster_size).toBe(2)
    expect(record.duplicates).toEqual([{ institution: "biblioteca", batch: "b1", document: "pipa-bn", path: "docs.jsonl", match: "near", similarity: Math.round(bn.similarity! * 1e4) / 1e4 }])
  })

  it("follows a configured survivor rule: a preferred institution's later copy replaces the earlier survivor", async () => {
    const home = tempDir()
    const prefer = { ACERVO_DEDUP_SURVIVOR: "institution", ACERVO_DEDUP_PREFERRED_INSTITUTIONS: "biblioteca" }
    await run(home, submitBatch(batch("universidad", "u1", [{ id: "pipa", text: original }])), {}, prefer)
    const first = await run(home, processPending, {}, prefer)
    await run(home, submitBatch(batch("biblioteca", "b1", [{ id: "pipa-bn", text: copy }])), {}, prefer)
    const second = await run(home, processPending, {}, prefer)
    expect(second.counts["demoted"]).toBe(1)
    // The summary adds up with status: the copy kept, the earlier survivor now a near-duplicate, none more kept than before.
    expect([second.kept, second.excluded]).toEqual([0, { "near-duplicate": 1 }])
    const status = await run(home, statusReport(undefined))
    expect(status.documents.kept).toBe(first.kept + second.kept)
    const rows = await documents(home)
    const bn = rows.find((r) => r.local_id === "pipa-bn")!
    expect(bn.status).toBe("kept")
    expect(rows.find((r) => r.local_id === "pipa")).toMatchObject({ status: "excluded", reason_code: "near-duplicate", duplicate_of: bn.record_id })
    const records = await releaseRecords(home)
    expect(records.map((r) => r.source.document)).toEqual(["pipa-bn"])
    expect(records[0]!.duplicates.map((d) => d.institution)).toEqual(["universidad"])
  })

  it("stands the next copy up when the survivor is refused by the gate, and never merges shared boilerplate", async () => {
    const home = tempDir()
    const licence = texts.udhr.spa.slice(0, 3).join("\n\n")
    await run(
      home,
      submitBatch(
        batch("archivo", "a1", [
          { id: "a-sin-licencia", text: original, license: "LicenseRef-nobody-knows" },
          { id: "b-copia", text: copy },
          { id: "c-boilerplate-1", text: `${licence}\n\n${novel(100, 6)}` },
          { id: "d-boilerplate-2", text: `${licence}\n\n${novel(110, 6)}` }
        ])
      )
    )
    const summary = await run(home, processPending)
    expect(summary.excluded).toEqual({ "license-unknown": 1 })
    const rows = await documents(home)
    expect(rows.filter((r) => r.status === "kept").map((r) => r.local_id)).toEqual(["b-copia", "c-boilerplate-1", "d-boilerplate-2"])
  })

  it("refuses to extend an index with other MinHash parameters, naming the index's values", async () => {
    const home = tempDir()
    await run(home, submitBatch(batch("universidad", "u1", [{ id: "pipa", text: original }])))
    await run(home, processPending)
    await run(home, submitBatch(batch("biblioteca", "b1", [{ id: "pipa-bn", text: copy }])))
    const refused = await run(home, Effect.flip(processPending), {}, { ACERVO_DEDUP_ROWS: "4" })
    expect(String((refused as { message: string }).message)).toMatch(/built with MinHash parameters .*"rows":8.*ACERVO_DEDUP_ROWS/)
    expect((await documents(home)).map((r) => r.local_id)).toEqual(["pipa"])
  })

  it("finds planted duplicates over real text with the recall and precision the issue asks for", async () => {
    const dir = tempDir()
    const docs: Array<string> = []
    const pairs: Array<PlantedPair> = []
    await plantCorpus({ ...defaultPlantOptions, megabytes: 1.5, seed: 7 }, (d) => void docs.push(JSON.stringify(d)), (p) => void pairs.push(p))
    const b = evaluationBatch(join(dir, "batch"), "planted")
    writeFileSync(join(b, "documents.jsonl"), docs.join("\n") + "\n")
    const { evaluation } = await run(join(dir, "home"), evaluateDedup(b, pairs))
    expect(evaluation.targetPairs).toBeGreaterThan(20)
    expect(evaluation.recall).toBeGreaterThanOrEqual(0.95)
    expect(evaluation.precision).toBeGreaterThanOrEqual(0.98)
    expect(evaluation.byKind["rewrap"]!.recall).toBe(1)
  })
})
