import { Effect, ManagedRuntime } from "effect"
import { describe, expect, it } from "vitest"
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { SqlClient } from "@effect/sql"
import { processPending } from "../../pipeline/run.ts"
import { writeRelease } from "../../pipeline/release.ts"
import type { AcervoSettings } from "../../pipeline/config.ts"
import { loadReferenceTexts } from "../../bench/reference-texts.ts"
import { appLayer } from "../../pipeline/cli/layers.ts"
import { Progress } from "../../pipeline/progress.ts"
import { sampleBatches, sampleBatchNames, tempDir, withApp } from "../helpers.ts"

const run = <A, E>(home: string, effect: Effect.Effect<A, E, any>, overrides: Partial<AcervoSettings> = {}) =>
  Effect.runPromise(withApp(home, overrides)(effect) as Effect.Effect<A, unknown>)

const texts = await loadReferenceTexts()

/** Many documents in two languages, a tenth of them near copies of another: several pages, batches and parts. */
const generatedBatch = () => {
  const dir = join(tempDir(), "novelas")
  mkdirSync(dir)
  const docs: Array<Record<string, unknown>> = []
  for (const [lang, paragraphs] of [["spa", texts.eltec.spa], ["por", texts.eltec.por]] as const) {
    for (let i = 0; i < 600; i++) {
      const from = (i * 7) % (paragraphs.length - 12)
      const body = paragraphs.slice(from, from + 2 + (i % 9)).join("\n\n")
      // Every tenth document is the previous one with its first paragraph left out and a header.
      const text = i % 10 === 9 ? `Copia ${i}\n\n${docs[docs.length - 1]!["text"] as string}`.replace(/\n\n[^\n]*/, "") : `${body}\n\n— ${lang} ${i}`
      docs.push({ id: `${lang}-${i}`, language: lang, text, title: `Obra ${i}`, creators: ["Anónimo"] })
    }
  }
  writeFileSync(join(dir, "docs.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n")
  writeFileSync(
    join(dir, "batch.json"),
    JSON.stringify({
      format: "acervo-batch/1",
      institution: "biblioteca-novelas",
      id: "novelas-01",
      defaults: { license: "CC-BY-4.0", consent: { basis: "license", reference: "r", scope: ["pretraining"] } }
    })
  )
  return dir
}

/** Every file of a release, by path, as bytes. */
const files = (dir: string): Record<string, Buffer> => {
  const out: Record<string, Buffer> = {}
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name))
      else out[relative(dir, join(d, e.name))] = readFileSync(join(d, e.name))
    }
  }
  walk(dir)
  return out
}

describe("the release phase", () => {
  it("writes the same bytes with no worker thread, one or two", { timeout: 120_000 }, async () => {
    const home = tempDir()
    await run(home, Effect.forEach([...sampleBatchNames.map((n) => join(sampleBatches, n)), generatedBatch()], (b) => submitBatch(b)))
    const summary = await run(home, processPending)
    expect(summary.excluded["near-duplicate"]).toBeGreaterThan(50)
    // Small shards, so that streams split into parts inside a batch of lines; a fixed clock for `created`.
    const settings = { shardMaxBytes: 300_000, sourceDateEpoch: { _tag: "Some", value: 1_767_225_600 } } as unknown as Partial<AcervoSettings>
    // One runtime for each number of workers, so that each pool starts once (threads start slowly under tsx).
    // No worker thread at all only without a document timeout (with one, 0 workers is one thread).
    const runtimes = [0, 1, 2].map((workers) => ManagedRuntime.make(appLayer({ home, ...settings, workers, ...(workers === 0 ? { documentTimeoutSeconds: 0 } : {}) }, Progress.silent)))
    // One name, so that no release is another's `previous`.
    const release = (workers: number, outDir: string) => runtimes[workers]!.runPromise(writeRelease({ name: "r", outDir, profiles: ["open", "noncommercial"] }))
    try {
      const releases = []
      for (const workers of [0, 1, 2]) {
        const { dir, manifest } = await release(workers, tempDir())
        releases.push({ manifest, files: files(dir) })
      }
      const [none, one, two] = releases
      expect(none!.manifest.totals.documents).toBeGreaterThan(500)
      expect(new Set(none!.manifest.shards.map((s) => s.profile))).toEqual(new Set(["open", "noncommercial"]))
      expect(none!.manifest.shards.filter((s) => s.path.startsWith("shards/open/por/")).length).toBeGreaterThanOrEqual(3)
      expect(Object.keys(none!.files)).toContain("manifest.json")
      expect(one!.files).toEqual(none!.files)
      expect(two!.files).toEqual(none!.files)

      // A failure while shards are written (a record that cannot be built, late in the order) leaves
      // the previous release as it was and no staging folder, with workers or without.
      const out = tempDir()
      await release(0, out)
      const before = files(out)
      await runtimes[0]!.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql`UPDATE documents SET langs_json = '{' WHERE record_id = (SELECT record_id FROM documents WHERE status = 'kept' ORDER BY lang DESC, record_id DESC LIMIT 1)`
        )
      )
      for (const workers of [0, 2]) {
        await expect(release(workers, out)).rejects.toThrow(/JSON/)
        await new Promise((resolve) => setTimeout(resolve, 200))
        expect(readdirSync(out)).toEqual(["r"])
        expect(files(out)).toEqual(before)
      }
    } finally {
      await Promise.all(runtimes.map((r) => r.dispose()))
    }
  })
})
