import type { BatchManifest, DocumentFields } from "../../domain/batch-schema.ts"
import type { BatchProblem } from "../errors.ts"
import { checkPartnerPattern } from "../../stages/ingest/partner-pattern.ts"

/**
 * Every regular expression batch.json gives (`reader.transcript.noise`, in the defaults and in each
 * document), checked as the reader will compile it: one that RE2 does not compile, or that is over
 * the limits, refuses the batch with its JSON path, before anything is registered.
 */
export const patternProblems = (manifest: BatchManifest): Array<BatchProblem> => {
  const declared: Array<{ at: string; fields: DocumentFields | undefined }> = [
    { at: "$.defaults", fields: manifest.defaults },
    ...(manifest.documents ?? []).map((fields, i) => ({ at: `$.documents[${i}]`, fields }))
  ]
  return declared.flatMap(({ at, fields }): Array<BatchProblem> => {
    const noise = fields?.reader?.transcript?.noise
    if (noise === undefined) return []
    const check = checkPartnerPattern(noise)
    if (check._tag === "Valid") return []
    return [{ code: "pattern-invalid", file: "batch.json", path: `${at}.reader.transcript.noise`, problem: `${JSON.stringify(noise.length > 80 ? `${noise.slice(0, 80)}…` : noise)} ${check.problem}`, expected: check.fix, fatal: true }]
  })
}
