import { recordColumns } from "../../stages/index.ts"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import jsonld from "jsonld"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { Ledger } from "../../catalog/ledger.ts"
import { Releases } from "../../catalog/releases.ts"
import type { Manifest } from "../../manifests/manifest.ts"
import { writeRelease } from "../../pipeline/release.ts"
import { processPending } from "../../pipeline/run.ts"
import { withdraw } from "../../pipeline/withdraw.ts"
import { traceRecord } from "../../pipeline/trace.ts"
import { verifyRelease } from "../../manifests/verify.ts"
import { dedupKeyText } from "../../stages/dedup/dedup-key.ts"
import type { ReleaseRecord } from "../../stages/shard/record.ts"
import { cli, sampleBatches, sampleBatchNames, tempDir, withApp } from "../helpers.ts"

const run = <A, E>(home: string, effect: Effect.Effect<A, E, any>) => Effect.runPromise(withApp(home)(effect) as Effect.Effect<A, unknown>)

const records = (dir: string): Array<ReleaseRecord> => {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest
  return manifest.shards.filter((s: { format?: string }) => s.format === "jsonl").flatMap((s) => gunzipSync(readFileSync(join(dir, s.path))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as ReleaseRecord))
}

describe("withdrawal", () => {
  it("takes a withdrawn batch out of the next release, re-elects the other institution's copy, and leaves tombstones and a ledger entry", async () => {
    const home = tempDir()
    const out = tempDir()
    await run(home, Effect.forEach(sampleBatchNames, (n) => submitBatch(join(sampleBatches, n))))
    await run(home, processPending)
    const first = await run(home, writeRelease({ name: "r1", outDir: out, profiles: ["open", "noncommercial"] }))
    const before = records(first.dir)
    const shared = before.find((r) => r.source.institution === "biblioteca-demo" && r.duplicates.length > 0)!
    expect(shared.duplicates[0]!.institution).toBe("universidad-demo")
    const withdrawnIds = before.filter((r) => r.source.institution === "biblioteca-demo").map((r) => r.id)
    expect(withdrawnIds.length).toBeGreaterThan(3)

    const result = await run(home, withdraw({ batch: "biblioteca-demo/udhr-2026-001" }, "the library asked to withdraw the collection"))
    expect(result.reelected).toHaveLength(1)
    await run(home, processPending)
    const second = await run(home, writeRelease({ name: "r2", outDir: out, profiles: ["open", "noncommercial"] }))
    const after = records(second.dir)
    expect(after.filter((r) => r.source.institution === "biblioteca-demo")).toEqual([])
    const standIn = after.find((r) => r.id === result.reelected[0]!.survivor)!
    expect(standIn.source).toMatchObject({ institution: "universidad-demo", document: shared.duplicates[0]!.document })
    expect(dedupKeyText(standIn.text)).toBe(dedupKeyText(shared.text))
    expect(standIn.duplicates).toEqual([])
    expect(after.length).toBe(before.length - withdrawnIds.length + 1)

    // Only the shards that held withdrawn or re-elected records change; the rest are the same bytes.
    const shaOf = (m: Manifest) => new Map(m.shards.map((s) => [s.path, s.sha256]))
    const [was, now] = [shaOf(first.manifest), shaOf(second.manifest)]
    const touched = new Set([...withdrawnIds, standIn.id].map((id) => [...before, ...after].find((r) => r.id === id)!.lang))
    for (const [path, sha] of now) {
      if (![...touched].some((lang) => path.includes(`/${lang}/`))) expect(sha, path).toBe(was.get(path))
    }
    expect([...now].some(([path, sha]) => was.get(path) !== sha)).toBe(true)

    const tombstones = readFileSync(join(second.dir, "tombstones.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; sha256: string })
    expect(tombstones.map((t) => t.id).sort()).toEqual(expect.arrayContaining(withdrawnIds))
    expect(tombstones.find((t) => t.id === shared.id)!.sha256).toBe(shared.sha256)
    expect(second.manifest.withdrawn).toBe(tombstones.length)
    expect(second.manifest.previous).toMatchObject({ release: "r1" })

    const traced = await run(home, traceRecord(standIn.id))
    expect(traced).toMatchObject({ status: "kept", shard: { release: "r2" }, batch: { institution: "universidad-demo" }, license: { declared: expect.any(String) } })
    expect(traced.notes.map((n) => n.code)).toContain("re-elected")
    const gone = await run(home, traceRecord(shared.id))
    expect(gone).toMatchObject({ status: "excluded", stage: "withdraw", reason: "withdrawn", shard: null })
    expect(gone.ledger.map((l) => l.kind)).toEqual(["batch-submitted", "run-finished", "withdrawn"])

    const view = (name: string) => run(home, Effect.flatMap(Releases, (c) => c.release(name)))
    expect((await verifyRelease(second.dir, view)).mismatches).toEqual([])
    const attributionPath = join(second.dir, "ATTRIBUTION.md")
    const attribution = readFileSync(attributionPath, "utf8")
    writeFileSync(attributionPath, attribution.replace(/^## rapanui-demo .*$/m, "## (removed)"))
    expect((await verifyRelease(second.dir, view)).mismatches).toEqual([expect.stringContaining('ATTRIBUTION.md: has no section "## rapanui-demo')])
    writeFileSync(attributionPath, attribution)
    const stale = await verifyRelease(first.dir, view)
    // Once in the JSON lines and once in the Parquet twin.
    expect(stale.mismatches.filter((m) => m.includes("was withdrawn (according to the catalog)"))).toHaveLength(2 * withdrawnIds.length)

    const croissant = JSON.parse(readFileSync(join(second.dir, "croissant.json"), "utf8")) as Record<string, unknown> & { distribution: Array<Record<string, string>> }
    for (const field of ["name", "description", "license", "url", "creator", "datePublished", "conformsTo", "recordSet", "rai:dataCollection", "rai:dataPreprocessingProtocol", "rai:personalSensitiveInformation", "rai:dataLimitations", "rai:dataReleaseMaintenancePlan"]) {
      expect(croissant[field], field).toBeTruthy()
    }
    const fileObjects = croissant.distribution.filter((d) => d["@type"] === "cr:FileObject")
    expect(fileObjects.map((f) => [f["contentUrl"], f["sha256"]])).toEqual(second.manifest.shards.map((s) => [s.path, s.sha256]))
    for (const f of fileObjects) expect(f["sha256"]).toMatch(/^[0-9a-f]{64}$/)
    const [dataset] = await jsonld.expand(croissant)
    expect(dataset!["@type"]).toEqual(["https://schema.org/Dataset"])
    expect(dataset!["https://schema.org/name"]![0]!["@value"]).toBe("acervo-r2")
    expect(dataset!["http://purl.org/dc/terms/conformsTo"]!.map((c) => c["@value"])).toContain("http://mlcommons.org/croissant/1.1")
    expect(dataset!["http://mlcommons.org/croissant/RAI/dataReleaseMaintenancePlan"]![0]!["@value"]).toContain("tombstones.jsonl")
    // One record set per profile, each declaring every record field, read from that profile's shards only.
    const recordSets = dataset!["http://mlcommons.org/croissant/recordSet"] as Array<Record<string, Array<unknown>>>
    expect(recordSets.map((r) => (r["https://schema.org/name"]![0] as { "@value": string })["@value"])).toEqual(second.manifest.profiles.map((p) => p.name).filter((p) => second.manifest.shards.some((s) => s.profile === p)))
    for (const recordSet of recordSets) expect(recordSet["http://mlcommons.org/croissant/field"]).toHaveLength(recordColumns().length)
    const fileSets = croissant.distribution.filter((d) => d["@type"] === "cr:FileSet")
    expect(fileSets.map((f) => f["includes"])).toContain("shards/open/*/*.parquet")
    expect(croissant["url"]).toBe("./")
    expect(croissant["version"]).toMatch(/^\d{4}\.\d{1,2}\.\d{1,2}$/)

    const ledger = await run(home, Effect.flatMap(Ledger, (l) => Effect.zip(l.verify, l.entries)))
    expect(ledger[0].broken).toBeUndefined()
    expect(ledger[1].find((e) => e.kind === "withdrawn")!.entry).toMatchObject({ batch: "biblioteca-demo/udhr-2026-001", reason: "the library asked to withdraw the collection", reelected: 1 })
  })

  it("refuses a withdrawal without a reason or with an unknown target, changing nothing", async () => {
    const cwd = tempDir()
    expect((await cli(["submit", join(sampleBatches, "universidad-udhr")], { cwd })).code).toBe(0)
    const noReason = await cli(["withdraw", "--batch", "fondo-ddhh-01", "--reason", " "], { cwd })
    expect(noReason.code).toBe(1)
    expect(noReason.stderr).toContain("--reason")
    const unknown = await cli(["withdraw", "--document", "0123", "--reason", "x"], { cwd })
    expect(unknown.stderr).toContain('no document with record id "0123"')
    const ok = await cli(["withdraw", "--batch", "fondo-ddhh-01", "--reason", "retirada por la universidad"], { cwd })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain("will not be read")
    const ledger = await cli(["audit", "ledger"], { cwd })
    expect(ledger.stdout).toContain("2 entries, hash chain intact")
  })
})
