import { Effect, Layer, Option } from "effect"
import { describe, expect, it } from "vitest"
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import Database from "better-sqlite3"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { appLayer } from "../../pipeline/cli/layers.ts"
import { Settings, type AcervoSettings } from "../../pipeline/config.ts"
import { Progress } from "../../pipeline/progress.ts"
import { writeRelease } from "../../pipeline/release.ts"
import { processPendingWith, type ProcessSummary } from "../../pipeline/run.ts"
import { purePoolLayerWith } from "../../pipeline/workers/pool.ts"
import { copyBatch, tempDir } from "../helpers.ts"
import { STALL_MARKER, stages as stagesWithStall } from "./stall-stage.ts"

const stallModule = new URL("./stall-stage.ts", import.meta.url)

/** The sample UDHR batch, with or without one more document that the stall stage never finishes, 6th of 19. */
const udhrBatch = (withStalled: boolean) => {
  const dir = copyBatch("biblioteca-udhr")
  if (!withStalled) return dir
  writeFileSync(join(dir, "textos", "es-99.txt"), `Artículo de prueba\n\nToda persona tiene derecho a una prueba que no termina nunca. ${STALL_MARKER}\n`)
  const manifest = JSON.parse(readFileSync(join(dir, "batch.json"), "utf8")) as { documents: Array<Record<string, unknown>> }
  manifest.documents.splice(5, 0, { path: "textos/es-99.txt", id: "es-99", language: "spa", title: "una prueba" })
  writeFileSync(join(dir, "batch.json"), JSON.stringify(manifest, null, 2))
  return dir
}

/** Every shard file of a release, hashed by path. */
const shardDigests = (dir: string) => {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { shards: Array<{ path: string }> }
  return Object.fromEntries(manifest.shards.map((s) => [s.path, createHash("sha256").update(readFileSync(join(dir, s.path))).digest("hex")]))
}

/** Submits, processes with the stall stage in the stage list (and in the pool's threads), releases. */
const curate = async (withStalled: boolean, settings: Partial<AcervoSettings>) => {
  const home = tempDir()
  const out = tempDir()
  const all = { home, sourceDateEpoch: Option.some(1_790_000_000), ...settings }
  const pool = purePoolLayerWith({ stagesModule: stallModule }).pipe(Layer.provide(Settings.layer(all)))
  const summary = await Effect.runPromise(
    Effect.gen(function* () {
      yield* submitBatch(udhrBatch(withStalled))
      const processed = yield* processPendingWith(stagesWithStall)
      yield* writeRelease({ name: "r", outDir: out, profiles: ["open", "noncommercial"] })
      return processed
    }).pipe(Effect.provide(pool), Effect.provide(appLayer(all, Progress.silent))) as Effect.Effect<ProcessSummary, unknown>
  )
  const db = new Database(join(home, "catalog.db"), { readonly: true })
  const exclusions = db.prepare("SELECT d.local_id, n.stage, n.code, n.detail FROM notes n JOIN documents d USING (record_id) WHERE n.kind = 'exclusion' ORDER BY d.local_id").all()
  db.close()
  return { summary, exclusions, shards: shardDigests(join(out, "r")) }
}

describe("the document timeout", () => {
  it("excludes a document that a stage never finishes as timeout by that stage, keeps the rest, and gives the shards of a run without it, for 1 and 2 workers", async () => {
    const without = await curate(false, { workers: 1, chunkDocuments: 4, documentTimeoutSeconds: 2 })
    expect(without.summary.documents).toBe(18)
    expect(without.exclusions).toEqual([])
    expect(Object.keys(without.shards).length).toBeGreaterThan(0)
    for (const settings of [{ workers: 1, chunkDocuments: 4 }, { workers: 2, chunkDocuments: 3 }, { workers: 2, chunkDocuments: 64 }]) {
      const run = await curate(true, { ...settings, documentTimeoutSeconds: 2 })
      expect({ settings, workers: run.summary.workers, documents: run.summary.documents, kept: run.summary.kept, excluded: run.summary.excluded }).toEqual({
        settings, workers: settings.workers, documents: 19, kept: without.summary.kept, excluded: { timeout: 1 }
      })
      expect(run.exclusions).toEqual([{ local_id: "es-99", stage: "stall", code: "timeout", detail: expect.stringMatching(/took longer than 2 s in the stall stage \(ACERVO_DOCUMENT_TIMEOUT_SECONDS\)/) }])
      const stall = run.summary.stages.find((s) => s.stage === "stall")!
      expect(stall).toMatchObject({ documents: 19, excluded: { timeout: 1 } })
      expect(run.summary.stages.find((s) => s.stage === "quality")!.documents).toBe(18)
      expect({ settings, shards: run.shards }).toEqual({ settings, shards: without.shards })
    }
  }, 240_000)

  it("runs the pure stages in one worker thread when ACERVO_WORKERS is 0, since only a thread can be stopped", async () => {
    const run = await curate(true, { workers: 0, chunkDocuments: 8, documentTimeoutSeconds: 2 })
    expect(run.summary).toMatchObject({ workers: 1, documents: 19, excluded: { timeout: 1 } })
    expect(run.exclusions).toEqual([expect.objectContaining({ local_id: "es-99", stage: "stall", code: "timeout" })])
  }, 120_000)
})
