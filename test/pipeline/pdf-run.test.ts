import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { processPending } from "../../pipeline/run.ts"
import type { AcervoSettings } from "../../pipeline/config.ts"
import { fixture, tempDir, withApp } from "../helpers.ts"
import type { AppServices } from "../helpers.ts"

const run = <A, E, R extends AppServices>(home: string, effect: Effect.Effect<A, E, R>, overrides: Partial<AcervoSettings> = {}, environment: Record<string, string> = {}) =>
  Effect.runPromise(withApp(home, overrides, environment)(effect) as Effect.Effect<A, unknown>)

const brief = "cias-fundar-policy-brief-mapa-de-las-politicas-sociales-en-la-argentina.pdf"
const scan = "comunicado_la-democracia-se-mejora-con-mas-democracia.pdf"

/** A batch of two of Fundar's PDFs as the partner sent them: a 3-page brief with text, a 2-page scan. */
const fundarBatch = () => {
  const dir = join(tempDir(), "fundar")
  mkdirSync(join(dir, "pdf"), { recursive: true })
  for (const name of [brief, scan]) copyFileSync(fixture("pdf", "fundar", "pdf", name), join(dir, "pdf", name))
  writeFileSync(join(dir, "batch.json"), JSON.stringify({
    format: "acervo-batch/1",
    institution: "fundar",
    defaults: { license: "CC-BY-NC-SA-4.0", consent: { basis: "license", reference: "docs_fundar/LICENSE", scope: "pretraining" } }
  }))
  return dir
}

describe("PDFs in a batch", () => {
  it("keeps the PDF with a text layer and excludes the scan as needs-ocr", async () => {
    const home = tempDir()
    await run(home, submitBatch(fundarBatch()))
    const summary = await run(home, processPending)
    expect(summary.kept).toBe(1)
    expect(summary.excluded).toEqual({ "needs-ocr": 1 })
  })

  it("excludes a PDF over ACERVO_MAX_PDF_PAGES as pdf-too-many-pages", async () => {
    const home = tempDir()
    await run(home, submitBatch(fundarBatch()), {}, { ACERVO_MAX_PDF_PAGES: "2" })
    const summary = await run(home, processPending, {}, { ACERVO_MAX_PDF_PAGES: "2" })
    expect(summary.kept).toBe(0)
    expect(summary.excluded).toEqual({ "needs-ocr": 1, "pdf-too-many-pages": 1 })
  })
})
