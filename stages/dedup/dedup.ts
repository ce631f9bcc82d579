import { Effect } from "effect"
import { Catalog } from "../../pipeline/catalog/catalog.ts"
import type { CatalogError } from "../../pipeline/errors.ts"
import { excluded, kept, type PipelineDocument, type Stage, type StageOutcome } from "../stage.ts"

const duplicateOf = (doc: PipelineDocument, survivor: string, where: string): StageOutcome =>
  excluded({ ...doc, duplicateOf: survivor }, "dedup", "exact-duplicate", `same normalised text as record ${survivor}${where}`)

/**
 * Exact dedup on the normalised key, against every document kept by earlier chunks and runs (the
 * catalog's key index) and earlier documents of this chunk. Survivor rule: the first submitted.
 */
export const dedupStage: Stage<Catalog, CatalogError> = {
  name: "dedup",
  describe: "exact duplicates on the normalised key, across every batch ever submitted; earliest submission survives",
  process: (chunk) =>
    Effect.gen(function* () {
      const catalog = yield* Catalog
      const known = yield* catalog.dedupSurvivors([...new Set(chunk.map((d) => d.dedupKey!))])
      const local = new Map<string, PipelineDocument>()
      return chunk.map((doc) => {
        const key = doc.dedupKey!
        const earlier = known.get(key)
        if (earlier) return duplicateOf(doc, earlier, " (an earlier submission)")
        const inChunk = local.get(key)
        if (inChunk) return duplicateOf(doc, inChunk.recordId, ` (${inChunk.source.institution}/${inChunk.source.batch}/${inChunk.source.document})`)
        local.set(key, doc)
        return kept(doc)
      })
    })
}

/**
 * A duplicate must not be lost because the copy it was merged into was then refused by the gate
 * (no licence, no consent): within the chunk, the next copy of the same text is gated in its place,
 * and the rest are pointed at whichever copy finally stands.
 */
export const reelectShadowedSurvivors = (
  outcomes: ReadonlyArray<StageOutcome>,
  gate: (doc: PipelineDocument) => StageOutcome
): ReadonlyArray<StageOutcome> => {
  const gateRefused = new Set(outcomes.filter((o) => o._tag === "Excluded" && o.reason.stage === "gate").map((o) => o.document.recordId))
  const shadowed = outcomes.filter((o) => o._tag === "Excluded" && o.reason.code === "exact-duplicate" && gateRefused.has(o.document.duplicateOf!))
  if (shadowed.length === 0) return outcomes
  const refusedKeys = new Set(shadowed.map((o) => o.document.dedupKey!))
  const standing = new Map<string, string>()
  return outcomes.map((o) => {
    const key = o.document.dedupKey
    if (key === undefined || !refusedKeys.has(key)) return o
    if (o._tag === "Excluded" && o.reason.stage === "gate") return o
    if (o._tag === "Excluded" && o.reason.code === "exact-duplicate") {
      const survivor = standing.get(key)
      if (survivor) return duplicateOf(o.document, survivor, " (re-elected after the first copy was refused by the gate)")
      const { duplicateOf: _gone, ...doc } = o.document
      const regated = gate(doc)
      if (regated._tag === "Kept") standing.set(key, doc.recordId)
      return regated
    }
    return o
  })
}
