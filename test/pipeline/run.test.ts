import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import Database from "better-sqlite3"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { Ledger } from "../../catalog/ledger.ts"
import { Releases } from "../../catalog/releases.ts"
import { migrations } from "../../catalog/migrations.ts"
import { processBatch, processPending } from "../../pipeline/run.ts"
import { Batches } from "../../catalog/batches.ts"
import { writeRelease } from "../../pipeline/release.ts"
import { statusReport } from "../../pipeline/status.ts"
import { verifyRelease } from "../../manifests/verify.ts"
import type { ReleaseRecord } from "../../stages/shard/record.ts"
import type { AcervoSettings } from "../../pipeline/config.ts"
import { fixture, sampleBatches, sampleBatchNames, tempDir, withApp } from "../helpers.ts"
import type { AppServices } from "../helpers.ts"

const run = <A, E, R extends AppServices>(home: string, effect: Effect.Effect<A, E, R>, overrides: Partial<AcervoSettings> = {}, environment: Record<string, string> = {}) =>
  Effect.runPromise(withApp(home, overrides, environment)(effect) as Effect.Effect<A, unknown>)

const submitAll = (home: string, names: ReadonlyArray<string>) =>
  run(home, Effect.forEach(names, (n) => submitBatch(join(sampleBatches, n))))

const release = (home: string, out: string, name = "test") =>
  run(home, writeRelease({ name, outDir: out, profiles: ["open", "noncommercial"] }))

const catalogView = (home: string) => (name: string) => run(home, Effect.flatMap(Releases, (c) => c.release(name)))

const records = (dir: string): Array<ReleaseRecord & { shard: string }> => {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))
  return manifest.shards.filter((s: { format?: string }) => s.format === "jsonl").flatMap((s: { path: string }) =>
    gunzipSync(readFileSync(join(dir, s.path))).toString("utf8").trim().split("\n").map((l) => ({ ...JSON.parse(l), shard: s.path }))
  )
}

describe("the whole pipeline on the sample corpus", () => {
  it("submits, processes and releases; the release verifies against manifest and catalog", async () => {
    const home = tempDir()
    const out = tempDir()
    await submitAll(home, sampleBatchNames)
    const summary = await run(home, processPending)
    expect(summary).toMatchObject({ files: 26, documents: 34, kept: 30 })
    expect(summary.excluded).toEqual({ "consent-missing": 1, "exact-duplicate": 1, "label-restricted": 1, "license-unknown": 1 })
    expect(summary.stages.map((s) => s.stage)).toEqual(["ingest", "normalize", "langid", "pii", "quality", "tokens", "dedup", "gate"])
    const { dir, manifest } = await release(home, out)
    expect(manifest.totals.documents).toBe(30)
    expect(manifest.excluded).toEqual(summary.excluded)
    const report = await verifyRelease(dir, catalogView(home))
    expect(report.mismatches).toEqual([])
    expect(report.records).toBe(30)

    const all = records(dir)
    const byDoc = (document: string) => all.find((r) => r.source.document === document)
    // The Latin-1 file arrives as proper Spanish.
    expect(byDoc("es-2")!.text).toMatch(/Artículo 2/)
    // The preamble sent by two institutions is one record that names the other copy.
    expect(byDoc("es-0")!.duplicates).toEqual([{ institution: "universidad-demo", batch: "fondo-ddhh-01", document: "preambulo", path: "preambulo.md", match: "exact", similarity: 1 }])
    expect(byDoc("es-0")!.cluster_size).toBe(2)
    expect(byDoc("preambulo")).toBeUndefined()
    // Non-commercial AVENUE transcripts never reach an open shard; CC-BY Rapa Nui does.
    for (const r of all.filter((r) => r.license.includes("NC"))) expect(r.shard).toMatch(/^shards\/noncommercial\//)
    expect(all.filter((r) => r.source.institution === "avenue-demo").map((r) => r.shard)).toEqual(Array(3).fill("shards/noncommercial/arn/part-00000.jsonl.gz"))
    expect(all.filter((r) => r.lang === "rap")).toHaveLength(8)
    // The gate's exclusions are nowhere in the release.
    for (const excluded of ["ceremonia", "entrevista", "kieviet-sin-licencia"]) expect(byDoc(excluded)).toBeUndefined()
    // Records are ordered by language, then id, inside each shard.
    for (const s of manifest.shards) {
      const ids = all.filter((r) => r.shard === s.path).map((r) => r.id)
      expect(ids).toEqual([...ids].sort())
    }
    expect(readFileSync(join(dir, "ATTRIBUTION.md"), "utf8")).toContain("rapanui-demo — batch kieviet-2017")
  })

  it("processes only what is new after another batch arrives, and dedups it against everything before", async () => {
    const home = tempDir()
    await submitAll(home, ["biblioteca-udhr", "avenue-transcripts"])
    const first = await run(home, processPending)
    expect(first).toMatchObject({ files: 21, documents: 21, kept: 21 })
    const idle = await run(home, processPending)
    expect(idle).toMatchObject({ files: 0, documents: 0 })
    await submitAll(home, ["universidad-udhr"])
    const second = await run(home, processPending)
    expect(second).toMatchObject({ files: 2, documents: 2, kept: 1, excluded: { "exact-duplicate": 1 } })
    const out = tempDir()
    const { dir } = await release(home, out)
    expect((await verifyRelease(dir, catalogView(home))).mismatches).toEqual([])
    expect(records(dir).find((r) => r.source.document === "es-0")!.duplicates).toHaveLength(1)
  })

  it("keeps apart documents that reuse an id, and excludes too-large and unreadable input without failing the run", async () => {
    const home = tempDir()
    const dir = join(tempDir(), "lote")
    mkdirSync(dir)
    const line = (o: object) => JSON.stringify(o)
    writeFileSync(join(dir, "docs.jsonl"), [line({ id: "a", text: "Primer documento con texto suficiente." }), line({ id: "a", text: "Segundo documento, mismo id." })].join("\n"))
    writeFileSync(join(dir, "huge.jsonl"), `{"text":"${"x".repeat(50 * 1024 * 1024)}"}\n`)
    writeFileSync(join(dir, "huge.txt"), "y".repeat(50 * 1024 * 1024))
    writeFileSync(join(dir, "scan.djvu"), "AT&TFORM djvu, not read by acervo")
    writeFileSync(join(dir, "batch.json"), line({ format: "acervo-batch/1", institution: "prueba", defaults: { license: "CC0-1.0", consent: { basis: "license", reference: "r", scope: "pretraining" } } }))
    await run(home, submitBatch(dir))
    const summary = await run(home, processPending)
    expect(summary.excluded).toEqual({ "duplicate-id": 1, "too-large": 2, "unsupported-format": 1 })
    expect(summary.kept).toBe(1)
    const db = new Database(join(home, "catalog.db"), { readonly: true })
    const notes = db.prepare("SELECT d.path, n.stage, n.code, n.detail FROM notes n JOIN documents d USING (record_id) ORDER BY d.path").all() as Array<{ path: string; stage: string; code: string; detail: string }>
    db.close()
    expect(notes.map((n) => `${n.path}:${n.stage}:${n.code}`)).toEqual(["docs.jsonl:ingest:duplicate-id", "huge.jsonl:ingest:too-large", "huge.txt:ingest:too-large", "scan.djvu:ingest:unsupported-format"])
    expect(notes[1]!.detail).toContain("ACERVO_MAX_DOCUMENT_BYTES")
  })

  it("names the shard whose byte changed, and the manifest that was edited", async () => {
    const home = tempDir()
    await submitAll(home, ["biblioteca-udhr", "rapanui-kieviet"])
    await run(home, processPending)
    const { dir, manifest } = await release(home, tempDir())
    const shard = manifest.shards[0]!.path
    const bytes = readFileSync(join(dir, shard))
    bytes[bytes.length - 12]! ^= 0x01
    writeFileSync(join(dir, shard), bytes)
    const tampered = await verifyRelease(dir, catalogView(home))
    expect(tampered.mismatches.some((m) => m.startsWith(`${shard}: sha256`))).toBe(true)
    expect(tampered.mismatches.every((m) => m.startsWith(shard))).toBe(true)

    const { dir: dir2 } = await release(home, tempDir(), "second")
    const m = JSON.parse(readFileSync(join(dir2, "manifest.json"), "utf8"))
    m.totals.by_language.rap.documents = 9
    writeFileSync(join(dir2, "manifest.json"), JSON.stringify(m, null, 2) + "\n")
    const edited = await verifyRelease(dir2, catalogView(home))
    expect(edited.mismatches).toEqual([expect.stringContaining("sha256 differs from the one the catalog recorded")])
  })

  it("cleans what an interrupted release left, and never shows a half release under its name", async () => {
    const home = tempDir()
    const out = tempDir()
    await submitAll(home, ["universidad-udhr"])
    await run(home, processPending)
    mkdirSync(join(out, ".test.partial-deadbeef", "shards"), { recursive: true })
    await release(home, out)
    expect(readdirSync(out)).toEqual(["test"])
    expect(existsSync(join(out, "test", "manifest.json"))).toBe(true)
  })
})

describe("one batch at a time", () => {
  it("processes only the files of the batch it is given", async () => {
    const home = tempDir()
    await submitAll(home, ["universidad-udhr", "rapanui-kieviet"])
    const [one, two] = (await run(home, Effect.flatMap(Batches, (b) => b.batches))).map((b) => b.seq)
    const second = await run(home, processBatch(two!))
    const after = await run(home, Effect.flatMap(Batches, (b) => b.batches))
    expect(after.map((b) => [b.batch_id, b.pending])).toEqual([["fondo-ddhh-01", after[0]!.files], ["kieviet-2017", 0]])
    expect(second.files).toBe(after[1]!.files)
    expect(second.documents).toBe(after[1]!.kept + after[1]!.excluded)
    const first = await run(home, processBatch(one!))
    expect(first.files).toBe(after[0]!.files)
    expect((await run(home, Effect.flatMap(Batches, (b) => b.countPendingFiles))).n).toBe(0)
  })
})

describe("partner formats through the pipeline", () => {
  it("reads TEI, ALTO, ELAN, WebVTT and speaker-labelled transcripts in one batch into kept documents", async () => {
    const home = tempDir()
    const dir = join(tempDir(), "formatos")
    mkdirSync(dir)
    const copies: Array<[string, string]> = [
      ["formats/tei/eltec-por-POR0066-innocente.xml", "tei/innocente.xml"],
      ["formats/alto/ocrsamples-alto2-abbyy-fr-417576986_0012.alto.xml", "alto/page-12.alto.xml"],
      ["formats/elan/poio-turkish-igt.eaf", "elan/turkish.eaf"],
      ["formats/webvtt/ableplayer-wwa-captions-es.vtt", "vtt/captions-es.vtt"],
      ["avenue/nmlch-lfjmcB2.raw-latin1.txt", "avenue/nmlch-lfjmcB2.txt"]
    ]
    for (const [from, to] of copies) {
      mkdirSync(join(dir, to, ".."), { recursive: true })
      writeFileSync(join(dir, to), readFileSync(fixture(from)))
    }
    writeFileSync(join(dir, "batch.json"), JSON.stringify({
      format: "acervo-batch/1",
      institution: "archivo-formatos",
      defaults: { license: "CC-BY-NC-SA-4.0", consent: { basis: "license", reference: "r", scope: ["pretraining"] } },
      documents: [
        { path: "tei/innocente.xml", id: "innocente" },
        { path: "alto/page-12.alto.xml", id: "page-12" },
        { path: "elan/turkish.eaf", id: "turkish" },
        { path: "vtt/captions-es.vtt", id: "captions" },
        { path: "avenue/nmlch-lfjmcB2.txt", id: "avenue", reader: { transcript: { speakers: { M: "arn", C: "spa" } } } }
      ]
    }))
    await run(home, submitBatch(dir))
    const summary = await run(home, processPending)
    expect(summary).toMatchObject({ files: 5, documents: 7, kept: 7 })
    const db = new Database(join(home, "catalog.db"), { readonly: true })
    const docs = db.prepare("SELECT local_id, lang, license FROM documents ORDER BY local_id").all()
    const flags = db.prepare("SELECT d.local_id, n.code FROM notes n JOIN documents d USING (record_id) WHERE n.kind = 'flag' AND n.code = 'license-conflict'").all()
    db.close()
    expect(docs).toEqual([
      { local_id: "avenue#arn", lang: "arn", license: "CC-BY-NC-SA-4.0" },
      { local_id: "avenue#spa", lang: "spa", license: "CC-BY-NC-SA-4.0" },
      { local_id: "captions", lang: "spa", license: "CC-BY-NC-SA-4.0" },
      { local_id: "innocente", lang: "por", license: "(CC-BY-NC-SA-4.0) AND CC-BY-4.0" },
      { local_id: "page-12", lang: "fra", license: "CC-BY-NC-SA-4.0" },
      { local_id: "turkish", lang: "tur", license: "CC-BY-NC-SA-4.0" },
      { local_id: "turkish#translation-1", lang: "eng", license: "CC-BY-NC-SA-4.0" }
    ])
    expect(flags).toEqual([{ local_id: "innocente", code: "license-conflict" }])
  })
})

describe("personal data and quality in a release", () => {
  it("writes only redacted text, counts redactions in the record and the manifest, and reports quality removals by language", async () => {
    const home = tempDir()
    const dir = join(tempDir(), "cartas")
    mkdirSync(dir)
    const letter = "Estimada señora Rosa Huenchumil: le escribo para confirmar la entrevista del jueves. Puede ubicarme en rosa.h@correo.cl o al +56 9 8765 4321. Mi RUT es 12.345.678-5 y el expediente 12.345.678-4 sigue abierto."
    const lines = [
      { id: "carta-1", text: letter, redact: ["Rosa Huenchumil"] },
      { id: "menu", text: "Inicio\nNoticias\nContacto\nServicios\nTransparencia\nBuscar\nMapa del sitio" }
    ]
    writeFileSync(join(dir, "cartas.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n")
    writeFileSync(join(dir, "batch.json"), JSON.stringify({ format: "acervo-batch/1", institution: "archivo-cartas", defaults: { language: "spa", license: "CC-BY-4.0", consent: { basis: "informed-consent", reference: "f-12", scope: ["pretraining"] } } }))
    await run(home, submitBatch(dir))
    const summary = await run(home, processPending)
    expect(summary.excluded).toEqual({ navigation: 1 })
    const { dir: out, manifest } = await release(home, tempDir())
    expect(manifest.totals.pii).toEqual({ EMAIL: 1, "ID-CL-RUT": 1, NAME: 1, PHONE: 1 })
    const [record] = records(out)
    expect(record!.pii).toEqual([{ type: "EMAIL", count: 1 }, { type: "ID-CL-RUT", count: 1 }, { type: "NAME", count: 1 }, { type: "PHONE", count: 1 }])
    expect(record!.text).toBe("Estimada señora <NAME>: le escribo para confirmar la entrevista del jueves. Puede ubicarme en <EMAIL> o al <PHONE>. Mi RUT es <ID-CL-RUT> y el expediente 12.345.678-4 sigue abierto.")
    const shardText = gunzipSync(readFileSync(join(out, manifest.shards[0]!.path))).toString("utf8")
    for (const secret of ["Huenchumil", "rosa.h@correo.cl", "8765 4321", "12.345.678-5"]) expect(shardText).not.toContain(secret)
    expect((await verifyRelease(out, catalogView(home))).mismatches).toEqual([])
    const status = await run(home, statusReport(undefined))
    expect(status.quality_by_language).toEqual([{ code: "navigation", lang: "spa", documents: 1 }])
  })
})

describe("catalog", () => {
  it("migrates a new database once and keeps a hash-chained ledger that names the first changed entry", async () => {
    const home = tempDir()
    await submitAll(home, ["universidad-udhr"])
    await run(home, processPending)
    await release(home, tempDir())
    const db = new Database(join(home, "catalog.db"))
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name)
    expect(tables).toEqual(expect.arrayContaining(["batches", "files", "documents", "notes", "texts", "dedup_keys", "lsh_buckets", "runs", "releases", "release_shards", "ledger", "tokens", "effect_sql_migrations"]))
    expect(db.prepare("SELECT count(*) AS n FROM effect_sql_migrations").get()).toEqual({ n: Object.keys(migrations).length })
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
    db.close()
    const ok = await run(home, Effect.flatMap(Ledger, (l) => l.verify))
    expect(ok).toEqual({ entries: 3, broken: undefined })
    const db2 = new Database(join(home, "catalog.db"))
    db2.prepare("UPDATE ledger SET entry_json = replace(entry_json, '\"files\":2', '\"files\":3') WHERE seq = 1").run()
    expect(db2.prepare("SELECT count(*) AS n FROM effect_sql_migrations").get()).toEqual({ n: Object.keys(migrations).length })
    db2.close()
    const broken = await run(home, Effect.flatMap(Ledger, (l) => l.verify))
    expect(broken.broken).toMatchObject({ seq: 1 })
  })
})
