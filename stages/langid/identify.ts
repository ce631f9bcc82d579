import { Schema } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { thresholdsFile } from "./paths.ts"
import { loadProfiles, profilesDir } from "./profile.ts"
import { ProfileScorer } from "./scorer.ts"
import { documentSegments } from "./segments.ts"

export interface Identification {
  /** Dominant language; `mul` when none has `dominantShare` of the identified text; `und` when nothing could be told. */
  readonly lang: string
  /** Mean confidence of the segments that carry `lang`, weighted by length; null for `und` and `mul`. */
  readonly score: number | null
  /** Share of identified text per language (segments below their language's threshold are left out). */
  readonly langs: Record<string, number>
  /** Mean confidence per language over its segments, weighted by length. */
  readonly scores: Record<string, number>
  /** Characters in segments that could be identified, and in all segments looked at. */
  readonly identifiedChars: number
  readonly segmentChars: number
}

export interface IdentifyOptions {
  readonly candidates: ReadonlyArray<string>
  readonly segments: number
  readonly dominantShare: number
}

export const Thresholds = Schema.Struct({
  format: Schema.Literal("acervo-langid-thresholds/1"),
  method: Schema.String,
  thresholds: Schema.Record({ key: Schema.String, value: Schema.Number })
})
export type Thresholds = typeof Thresholds.Type
export { thresholdsFile }

export class MissingProfiles extends Error {
  constructor(readonly languages: ReadonlyArray<string>, readonly available: ReadonlyArray<string>) {
    super(
      `no language profile for ${languages.join(", ")} in ${profilesDir}; build one with \`acervo langid train --lang CODE FILE…\` from reference text, or drop it from the candidates (profiles: ${available.join(", ")})`
    )
  }
}

let profileCache: ReturnType<typeof loadProfiles> | undefined
let thresholdCache: Record<string, number> | undefined
const profiles = () => (profileCache ??= loadProfiles())
const thresholds = (): Record<string, number> =>
  (thresholdCache ??= existsSync(thresholdsFile) ? Schema.decodeUnknownSync(Schema.parseJson(Thresholds))(readFileSync(thresholdsFile, "utf8")).thresholds : {})

/** Forget loaded profiles and thresholds (after `langid train` or `calibrate` rewrote them). */
export const reloadProfiles = () => {
  profileCache = undefined
  thresholdCache = undefined
  scorers.clear()
}

const scorers = new Map<string, ProfileScorer>()
/** One scorer per candidate set, built on first use and kept: profiles are never rebuilt per call. */
export const scorerFor = (candidates: ReadonlyArray<string>): ProfileScorer => {
  const key = candidates.join(",")
  let scorer = scorers.get(key)
  if (!scorer) {
    const available = profiles()
    const missing = candidates.filter((c) => !available.has(c))
    if (missing.length > 0) throw new MissingProfiles(missing, [...available.keys()])
    scorer = new ProfileScorer(candidates.map((c) => available.get(c)!))
    scorers.set(key, scorer)
  }
  return scorer
}

/** Languages with a profile. */
export const availableLanguages = (): ReadonlyArray<string> => [...profiles().keys()]

/** The confidence below which a segment labelled `lang` is `und`. */
export const thresholdOf = (lang: string): number => thresholds()[lang] ?? 0.5

const round = (x: number) => Math.round(x * 10_000) / 10_000

export const identify = (text: string, options: IdentifyOptions): Identification => {
  const scorer = scorerFor(options.candidates)
  const weights = new Map<string, number>()
  const confidence = new Map<string, number>()
  let identified = 0
  let looked = 0
  for (const segment of documentSegments(text, options.segments)) {
    looked += segment.length
    const s = scorer.score(segment)
    if (s.lang === "und" || s.confidence < thresholdOf(s.lang)) continue
    weights.set(s.lang, (weights.get(s.lang) ?? 0) + segment.length)
    confidence.set(s.lang, (confidence.get(s.lang) ?? 0) + s.confidence * segment.length)
    identified += segment.length
  }
  if (identified === 0) return { lang: "und", score: null, langs: {}, scores: {}, identifiedChars: 0, segmentChars: looked }
  const langs: Record<string, number> = {}
  const scores: Record<string, number> = {}
  for (const [lang, w] of [...weights].sort(([a], [b]) => (a < b ? -1 : 1))) {
    langs[lang] = round(w / identified)
    scores[lang] = round(confidence.get(lang)! / w)
  }
  const [best, bestWeight] = [...weights].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!
  const lang = bestWeight / identified < options.dominantShare ? "mul" : best
  return { lang, score: lang === "mul" ? null : scores[best]!, langs, scores, identifiedChars: identified, segmentChars: looked }
}
