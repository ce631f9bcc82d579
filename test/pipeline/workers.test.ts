import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultPlantOptions, plantCorpus } from "../../bench/dedup-plant.ts"
import { evaluationBatch } from "../../bench/dedup-eval.ts"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { writeRelease } from "../../pipeline/release.ts"
import { processPending } from "../../pipeline/run.ts"
import { sampleBatches, sampleBatchNames, tempDir, withApp } from "../helpers.ts"

/** Every file of a release, hashed: shards, manifest, croissant, attribution, tombstones, report. */
const releaseDigest = (dir: string) => {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { shards: Array<{ path: string }> }
  const files = ["manifest.json", "croissant.json", "ATTRIBUTION.md", "tombstones.jsonl", "README.md", "record.schema.json", "report.html", ...manifest.shards.map((s) => s.path)]
  return Object.fromEntries(files.map((f) => [f, createHash("sha256").update(readFileSync(join(dir, f))).digest("hex")]))
}

const curate = async (batches: ReadonlyArray<string>, settings: { workers: number; chunkDocuments: number; documentTimeoutSeconds?: number }) => {
  const home = tempDir()
  const out = tempDir()
  const app = withApp(home, { ...settings, sourceDateEpoch: Option.some(1_790_000_000) })
  const summary = await Effect.runPromise(
    app(
      Effect.gen(function* () {
        for (const b of batches) yield* submitBatch(b)
        const processed = yield* processPending
        yield* writeRelease({ name: "r", outDir: out, profiles: ["open", "noncommercial"] })
        return processed
      })
    ) as Effect.Effect<{ workers: number; kept: number; documents: number }, unknown>
  )
  return { summary, digest: releaseDigest(join(out, "r")) }
}

describe("the worker pool", () => {
  it("gives byte-identical releases for 0, 1, 2 and 4 workers and any chunk size, on the sample and on planted duplicates", async () => {
    const dir = tempDir()
    const docs: Array<string> = []
    await plantCorpus({ ...defaultPlantOptions, megabytes: 0.8, seed: 11 }, (d) => void docs.push(JSON.stringify(d)), () => undefined)
    const planted = evaluationBatch(join(dir, "planted"), "planted")
    writeFileSync(join(planted, "documents.jsonl"), docs.join("\n") + "\n")
    const batches = [...sampleBatchNames.map((n) => join(sampleBatches, n)), planted]
    const runs = []
    // 0 workers runs the pure stages on the main thread only without a document timeout (else in one thread).
    for (const settings of [{ workers: 0, chunkDocuments: 256, documentTimeoutSeconds: 0 }, { workers: 1, chunkDocuments: 7 }, { workers: 2, chunkDocuments: 64 }, { workers: 4, chunkDocuments: 13 }]) {
      runs.push({ settings, ...(await curate(batches, settings)) })
    }
    const [first, ...others] = runs
    expect(first!.summary.kept).toBeGreaterThan(30)
    expect(first!.summary.kept).toBeLessThan(first!.summary.documents)
    expect(runs.map((r) => r.summary.workers)).toEqual([0, 1, 2, 4])
    for (const other of others) expect({ settings: other.settings, digest: other.digest }).toEqual({ settings: other.settings, digest: first!.digest })
  })
})
