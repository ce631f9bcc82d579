import { Effect } from "effect"
import type { AcervoSettings } from "../../pipeline/config.ts"
import { excluded, flagged, kept, type PipelineDocument, type Stage, type StageOutcome } from "../stage.ts"
import { deficit, identify, margin } from "./identify.ts"

const DOMINANT_SHARE = 0.6
/** A declared language counts as present in a mixed document from this share on. */
const PRESENT_SHARE = 0.2

/**
 * Declared and detected language reconciled. The declared label is kept unless nothing was
 * declared; a confident disagreement is flagged `lang-mismatch` (or excluded, per configuration),
 * never silently relabelled. A declared language without a model (not a candidate) is kept as
 * declared, with no score.
 */
export const reconcileLanguage = (doc: PipelineDocument, settings: AcervoSettings): StageOutcome => {
  const candidates = settings.langidCandidates
  const id = identify(doc.text, { candidates, segments: settings.langidSegments, dominantShare: DOMINANT_SHARE })
  const declared = doc.fields.language && doc.fields.language !== "und" ? doc.fields.language : null
  const result = (lang: string, score: number | null) => ({
    ...doc,
    language: { lang, score, langs: id.langs, declared, detected: id.lang }
  })
  if (declared === null) return kept(result(id.lang, id.lang === "und" || id.lang === "mul" ? null : margin(id, id.lang)))
  if (!candidates.includes(declared)) return kept(result(declared, null))
  const agrees =
    id.lang === declared || id.lang === "und" || (id.lang === "mul" && (id.langs[declared] ?? 0) >= PRESENT_SHARE)
  const withLabel = result(declared, margin(id, declared))
  if (agrees) return kept(withLabel)
  const behind = deficit(id, declared)
  if (behind < settings.langMismatchMargin || doc.text.length < settings.langMismatchMinChars) return kept(withLabel)
  const detail = `declared ${declared}, detected ${id.lang} (${Object.entries(id.langs).map(([l, s]) => `${l} ${s}`).join(", ")}); ${declared} scores ${behind} below the best`
  return settings.langMismatchAction === "exclude"
    ? excluded(withLabel, "langid", "lang-mismatch", detail)
    : kept(flagged(withLabel, "langid", "lang-mismatch", detail))
}

export const langidStage = (settings: AcervoSettings): Stage => ({
  name: "langid",
  describe: `franc-all over ${settings.langidCandidates.join(", ")}, ${settings.langidSegments} sampled segments a document`,
  process: (chunk) => Effect.sync(() => chunk.map((doc) => reconcileLanguage(doc, settings)))
})
