import { TrigramScorer } from "./scorer.ts"
import { sampleSegments } from "./segments.ts"

export interface Identification {
  /** Dominant language, `mul` when none has `dominantShare`, `und` when nothing could be told. */
  readonly lang: string
  /** Share of sampled text per language, summing to 1 over identified segments. */
  readonly langs: Record<string, number>
  /** Per sampled segment: every candidate's franc score (1 for the best). */
  readonly segmentScores: ReadonlyArray<{ readonly weight: number; readonly scores: ReadonlyMap<string, number> }>
}

export interface IdentifyOptions {
  readonly candidates: ReadonlyArray<string>
  readonly segments: number
  readonly dominantShare: number
}

const round = (x: number) => Math.round(x * 10_000) / 10_000

const scorers = new Map<string, TrigramScorer>()
/** One scorer per candidate set, built on first use and kept. */
const scorerFor = (candidates: ReadonlyArray<string>): TrigramScorer => {
  const key = candidates.join(",")
  let scorer = scorers.get(key)
  if (!scorer) {
    scorer = new TrigramScorer(candidates, 20)
    scorers.set(key, scorer)
  }
  return scorer
}

export const identify = (text: string, options: IdentifyOptions): Identification => {
  const scorer = scorerFor(options.candidates)
  const weights = new Map<string, number>()
  const segmentScores: Array<{ weight: number; scores: ReadonlyMap<string, number> }> = []
  let total = 0
  for (const segment of sampleSegments(text, options.segments)) {
    const ranked = scorer.rank(segment)
    const top = ranked[0]
    if (!top || top[0] === "und") continue
    weights.set(top[0], (weights.get(top[0]) ?? 0) + segment.length)
    total += segment.length
    segmentScores.push({ weight: segment.length, scores: new Map(ranked) })
  }
  if (total === 0) return { lang: "und", langs: {}, segmentScores }
  const langs: Record<string, number> = {}
  for (const [lang, w] of [...weights].sort(([a], [b]) => (a < b ? -1 : 1))) langs[lang] = round(w / total)
  const [best, bestWeight] = [...weights].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!
  return { lang: bestWeight / total >= options.dominantShare ? best : "mul", langs, segmentScores }
}

/**
 * How far `lang` is ahead of the best other candidate, averaged over the sampled segments (weighted
 * by length) and floored at 0 per segment: 0 means another language scored at least as well.
 */
export const margin = (id: Identification, lang: string): number => {
  let sum = 0
  let weight = 0
  for (const { weight: w, scores } of id.segmentScores) {
    const own = scores.get(lang) ?? 0
    let other = 0
    for (const [l, s] of scores) if (l !== lang && s > other) other = s
    sum += Math.max(0, own - other) * w
    weight += w
  }
  return weight === 0 ? 0 : round(sum / weight)
}

/** How far the best candidate is ahead of `lang`, averaged over the sampled segments. */
export const deficit = (id: Identification, lang: string): number => {
  let sum = 0
  let weight = 0
  for (const { weight: w, scores } of id.segmentScores) {
    let best = 0
    for (const s of scores.values()) if (s > best) best = s
    sum += (best - (scores.get(lang) ?? 0)) * w
    weight += w
  }
  return weight === 0 ? 0 : round(sum / weight)
}
