import { Config, ConfigError, Either } from "effect"
import { fractionSetting, integerSetting, listSetting } from "../../domain/config.ts"
import { MissingProfiles, scorerFor } from "./identify.ts"

export type LangMismatchAction = "flag" | "exclude"

export interface LangidConfig {
  /** ISO 639-3 codes the identifier may answer. */
  readonly candidates: ReadonlyArray<string>
  /** Segments of a document sampled for language shares; bounds the cost on long documents. */
  readonly segments: number
  /** Share of identified text a document's label needs; below it the document is `mul`. */
  readonly dominantShare: number
  readonly mismatchAction: LangMismatchAction
  /** Shorter documents are never a confident mismatch: a sentence or two cannot tell. */
  readonly mismatchMinChars: number
}

export const defaultCandidates = "spa,por,arn,rap,glg,cat,ast,eng,quz,quy,ayr,gug,tah,mri,haw,smo,rar"

export const langidConfig: Config.Config<LangidConfig> = Config.all({
  // Checked here, before any work: a candidate without a profile is a setting to fix, not a document to exclude.
  candidates: listSetting("ACERVO_LANGID_CANDIDATES", defaultCandidates, "ISO 639-3 codes the language identifier may answer").pipe(
    Config.mapOrFail((list) =>
      Either.try({ try: () => (scorerFor(list), list), catch: (e) => (e instanceof MissingProfiles ? e.message : String(e)) }).pipe(
        Either.mapLeft((message) => ConfigError.InvalidData(["ACERVO_LANGID_CANDIDATES"], message))
      )
    )
  ),
  segments: integerSetting("ACERVO_LANGID_SEGMENTS", 64, { min: 1, max: 10_000 }, "sentence segments sampled per document for language shares"),
  dominantShare: fractionSetting("ACERVO_LANGID_DOMINANT_SHARE", 0.6, { above: 0.5, atMost: 1 }, "share of a document's identified text its label needs; below it the document is `mul`"),
  mismatchAction: Config.literal("flag", "exclude")("ACERVO_LANG_MISMATCH").pipe(
    Config.withDefault("flag" as const),
    Config.withDescription("what a confident declared/detected mismatch does")
  ),
  mismatchMinChars: integerSetting("ACERVO_LANG_MISMATCH_MIN_CHARS", 200, { min: 0 }, "shortest text whose declared/detected mismatch can count as confident")
})
