import { Config, ConfigError, Either, Option, Schema } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { projectRoot } from "../../domain/project-root.ts"
import { excluded, kept, type PipelineDocument, type StageOutcome } from "../../domain/document.ts"
import { defineStage } from "../stage.ts"
import { measure } from "./measure.ts"

const Fractions = Schema.Record({ key: Schema.String, value: Schema.Number })
const Thresholds = Schema.Struct({
  minWords: Schema.Number,
  minMeanWordLength: Schema.Number,
  maxMeanWordLength: Schema.Number,
  maxSymbolRatio: Schema.Number,
  maxDigitRatio: Schema.Number,
  maxDuplicateLineFraction: Schema.Number,
  maxTopNgramCharFraction: Fractions,
  maxDuplicateNgramCharFraction: Fractions,
  maxNonTextLineFraction: Schema.Number,
  maxShortUnpunctuatedLineFraction: Schema.Number,
  maxMojibakePerThousand: Schema.Number,
  minOcrConfidence: Schema.Number
})
export type QualityThresholds = typeof Thresholds.Type

const ThresholdFile = Schema.Struct({
  default: Thresholds,
  languages: Schema.Record({ key: Schema.String, value: Schema.partialWith(Thresholds, { exact: true }) })
})

export interface QualityConfig {
  readonly default: QualityThresholds
  readonly languages: Readonly<Record<string, Partial<QualityThresholds>>>
}

/** Thresholds from a JSON file (default: stages/quality/thresholds.json; ACERVO_QUALITY_THRESHOLDS). */
export const loadQualityConfig = (path = join(projectRoot, "stages", "quality", "thresholds.json")): QualityConfig => {
  const raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>
  const { default: base, $comment: _c, ...languages } = raw
  return Schema.decodeUnknownSync(ThresholdFile)({ default: base, languages })
}

export const thresholdsFor = (config: QualityConfig, lang: string): QualityThresholds => ({ ...config.default, ...(config.languages[lang] ?? {}) })

/** Longer documents are measured on a sample: every rule reads rates, not totals, past this size. */
export const MEASURE_SAMPLE_CHARS = 48_000

/**
 * The start, middle and end of a long document (cut at line ends), so that a header repeated on
 * every page, a junk appendix or a garbled middle still shows, at a bounded cost per document.
 */
export const measurementSample = (text: string): string => {
  if (text.length <= MEASURE_SAMPLE_CHARS) return text
  const part = MEASURE_SAMPLE_CHARS / 3
  const cut = (from: number) => {
    const start = from === 0 ? 0 : text.indexOf("\n", from) + 1 || from
    const end = text.lastIndexOf("\n", start + part)
    return text.slice(start, end > start ? end : start + part)
  }
  return [cut(0), cut(Math.floor(text.length / 2 - part / 2)), cut(text.length - part)].join("\n")
}

/**
 * Language-aware heuristics: each removal carries its reason code and the measured value against
 * the threshold of the document's language.
 */
export const judge = (doc: PipelineDocument, config: QualityConfig): StageOutcome => {
  const lang = doc.language?.lang ?? "und"
  const t = thresholdsFor(config, lang)
  const m = measure(measurementSample(doc.text), {
    repetitionThresholds: { top: t.maxTopNgramCharFraction, duplicate: { "10": t.maxDuplicateNgramCharFraction["10"] ?? -1 } }
  })
  const measured = { sampled: doc.text.length > MEASURE_SAMPLE_CHARS ? 1 : 0, words: m.words, mean_word_length: m.meanWordLength, symbol_ratio: m.symbolRatio, digit_ratio: m.digitRatio }
  const withMeasures = { ...doc, quality: measured }
  const drop = (code: string, detail: string) => excluded(withMeasures, "quality", code, `${detail} (thresholds for ${lang in config.languages ? lang : "default"})`)
  if (m.words < t.minWords) return drop("too-short", `${m.words} words < ${t.minWords}`)
  const ocr = (doc.fields.metadata as { ocr?: { mean_word_confidence?: number | null } } | undefined)?.ocr?.mean_word_confidence
  if (typeof ocr === "number" && ocr < t.minOcrConfidence) return drop("ocr-confidence", `mean OCR word confidence ${ocr} < ${t.minOcrConfidence}`)
  if (m.mojibakePerThousand > t.maxMojibakePerThousand) return drop("mojibake", `${m.mojibakePerThousand} encoding-damage marks per 1000 characters > ${t.maxMojibakePerThousand}`)
  if (m.symbolRatio > t.maxSymbolRatio) return drop("symbols", `symbol ratio ${m.symbolRatio} > ${t.maxSymbolRatio}`)
  if (m.digitRatio > t.maxDigitRatio) return drop("digits", `digit ratio ${m.digitRatio} > ${t.maxDigitRatio}`)
  if (m.nonTextLineFraction > t.maxNonTextLineFraction) return drop("markup-or-table", `${m.nonTextLineFraction} of lines are markup or table rows > ${t.maxNonTextLineFraction}`)
  if (m.meanWordLength < t.minMeanWordLength || m.meanWordLength > t.maxMeanWordLength) {
    return drop("word-length", `mean word length ${m.meanWordLength} outside ${t.minMeanWordLength}–${t.maxMeanWordLength}`)
  }
  if (m.duplicateLineFraction > t.maxDuplicateLineFraction) return drop("repeated-lines", `${m.duplicateLineFraction} of lines repeat > ${t.maxDuplicateLineFraction}`)
  for (const [n, value] of Object.entries(m.topNgramCharFraction)) {
    const max = t.maxTopNgramCharFraction[n]
    if (max !== undefined && value > max) return drop("repeated-ngrams", `most frequent ${n}-gram covers ${value} of the text > ${max}`)
  }
  for (const [n, value] of Object.entries(m.duplicateNgramCharFraction)) {
    const max = t.maxDuplicateNgramCharFraction[n]
    if (max !== undefined && value > max) return drop("repeated-ngrams", `repeated ${n}-grams cover ${value} of the text > ${max}`)
  }
  if (m.shortUnpunctuatedLineFraction > t.maxShortUnpunctuatedLineFraction) {
    return drop("navigation", `${m.shortUnpunctuatedLineFraction} of lines are short and unpunctuated (menus, lists) > ${t.maxShortUnpunctuatedLineFraction}`)
  }
  return kept(withMeasures)
}

/** The thresholds file named by ACERVO_QUALITY_THRESHOLDS (default: the bundled one), read once per run. */
export const qualityConfig: Config.Config<QualityConfig> = Config.option(Config.string("ACERVO_QUALITY_THRESHOLDS")).pipe(
  Config.withDescription("JSON file of per-language quality thresholds (default: stages/quality/thresholds.json)"),
  Config.mapOrFail((path) => {
    const file = Option.getOrUndefined(path)
    return Either.try({
      try: () => loadQualityConfig(file),
      catch: (e) => `ACERVO_QUALITY_THRESHOLDS: ${file ?? "stages/quality/thresholds.json"} is not a readable thresholds file (${(e as Error).message}); fix it or unset the variable`
    }).pipe(Either.mapLeft((message) => ConfigError.InvalidData([], message)))
  })
)

export const qualityStage = defineStage({
  name: "quality",
  config: qualityConfig,
  describe: () => "language-aware heuristics: length, word length, symbols, digits, repetition, markup and tables, menus, mojibake, OCR confidence",
  pure: (config) => (doc) => judge(doc, config)
})
