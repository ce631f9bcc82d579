import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { writeRelease } from "../../pipeline/release.ts"
import { processPending } from "../../pipeline/run.ts"
import { sampleBatches, sampleBatchNames, tempDir, withApp } from "../helpers.ts"

/** A batch whose record has labels, personal data and a partial date, which the sample's records do not. */
export const lettersBatch = () => {
  const dir = tempDir()
  writeFileSync(join(dir, "carta.txt"), "Estimada señora: le escribo para confirmar la entrevista del jueves sobre la historia del barrio. Puede escribirme a rosa.h@correo.cl o llamarme al +56 9 8765 4321 cuando le acomode.\n")
  writeFileSync(
    join(dir, "batch.json"),
    JSON.stringify({ format: "acervo-batch/1", institution: "archivo-cartas", defaults: { language: "spa", license: "CC-BY-4.0", labels: ["TK-A"], created: "1987-03", consent: { basis: "informed-consent", reference: "f-12", scope: ["pretraining"] } } })
  )
  return dir
}

/** The sample batches and the letters, processed and released in the open and noncommercial profiles. */
export const multilingualRelease = (environment: Record<string, string> = {}) =>
  Effect.runPromise(
    withApp(tempDir(), {}, environment)(
      Effect.gen(function* () {
        for (const n of sampleBatchNames) yield* submitBatch(join(sampleBatches, n))
        yield* submitBatch(lettersBatch())
        yield* processPending
        return yield* writeRelease({ name: "clients", outDir: tempDir(), profiles: ["open", "noncommercial"] })
      })
    )
  )
