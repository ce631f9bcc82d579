import { excluded, flagged, kept, type PipelineDocument, type StageOutcome } from "../../domain/document.ts"
import { defineStage } from "../stage.ts"
import { langidConfig, type LangidConfig } from "./config.ts"
import { availableLanguages, identify } from "./identify.ts"

/** A declared language counts as present in a document from this share of its identified text on. */
const PRESENT_SHARE = 0.2

/**
 * Declared and detected language reconciled. The declared label is kept unless nothing was
 * declared; a confident disagreement (the declared language holds under PRESENT_SHARE of a text long
 * enough to tell) is flagged `lang-mismatch`, or excluded per configuration, never silently
 * relabelled. A declared language outside the candidates is kept as declared, with no score.
 */
export const reconcileLanguage = (doc: PipelineDocument, settings: LangidConfig): StageOutcome => {
  // Batch and document candidate sets are checked at submit; a JSONL line's own set keeps only languages with a profile.
  const own = doc.fields.langid?.candidates.filter((c) => availableLanguages().includes(c))
  const candidates = own && own.length > 0 ? own : settings.candidates
  const id = identify(doc.text, { candidates, segments: settings.segments, dominantShare: settings.dominantShare })
  const declared = doc.fields.language && doc.fields.language !== "und" ? doc.fields.language : null
  const result = (lang: string, score: number | null) => ({
    ...doc,
    language: { lang, score, langs: id.langs, declared, detected: id.lang }
  })
  if (declared === null) return kept(result(id.lang, id.score))
  const withLabel = result(declared, id.scores[declared] ?? null)
  if (!candidates.includes(declared)) return kept(withLabel)
  const share = id.langs[declared] ?? 0
  if (id.lang === "und" || share >= PRESENT_SHARE || id.identifiedChars < settings.mismatchMinChars) return kept(withLabel)
  const detail = `declared ${declared}, detected ${id.lang} (${Object.entries(id.langs).map(([l, s]) => `${l} ${s}`).join(", ")} of ${id.identifiedChars} identified characters)`
  return settings.mismatchAction === "exclude"
    ? excluded(withLabel, "langid", "lang-mismatch", detail)
    : kept(flagged(withLabel, "langid", "lang-mismatch", detail))
}

export const langidStage = defineStage({
  name: "langid",
  config: langidConfig,
  describe: (c) => `trigram profiles of ${c.candidates.join(", ")}, up to ${c.segments} sentence segments a document`,
  pure: (c) => (doc) => reconcileLanguage(doc, c)
})
