import { table } from "../pipeline/table.ts"

export const LENGTH_BUCKETS = ["≤20", "21–50", "51–200", ">200"] as const
export type LengthBucket = (typeof LENGTH_BUCKETS)[number]
export const bucketOf = (chars: number): LengthBucket => (chars <= 20 ? "≤20" : chars <= 50 ? "21–50" : chars <= 200 ? "51–200" : ">200")

export interface Counts {
  tp: number
  fp: number
  fn: number
  /** Segments of this language. */
  support: number
}
export interface LanguageScores {
  readonly precision: number | null
  readonly recall: number | null
  readonly f1: number | null
  readonly support: number
}

export interface Evaluation {
  readonly segments: number
  /** Per length bucket (and "all", ">20", ">50"), per true or predicted language. */
  readonly scores: Record<string, Record<string, LanguageScores>>
  /** Per length bucket: true language → predicted language → segments. */
  readonly confusion: Record<string, Record<string, Record<string, number>>>
  /** Per length bucket: segments left `und` (or `mul`) instead of a guess. */
  readonly undetermined: Record<string, number>
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000)

/**
 * Precision, recall and F1 per language and length bucket. A segment left `und` or `mul` counts
 * against the recall of its language but not against any language's precision: saying "I cannot
 * tell" is not a wrong label.
 */
export const evaluate = (items: Iterable<{ readonly chars: number; readonly truth: string; readonly predicted: string }>): Evaluation => {
  const counts = new Map<string, Map<string, Counts>>()
  const confusion: Record<string, Record<string, Record<string, number>>> = {}
  const undetermined: Record<string, number> = {}
  const at = (group: string, lang: string) => {
    let g = counts.get(group)
    if (!g) counts.set(group, (g = new Map()))
    let c = g.get(lang)
    if (!c) g.set(lang, (c = { tp: 0, fp: 0, fn: 0, support: 0 }))
    return c
  }
  let n = 0
  for (const { chars, truth, predicted } of items) {
    n++
    const bucket = bucketOf(chars)
    const groups = ["all", bucket, ...(chars > 20 ? [">20"] : []), ...(chars > 50 ? [">50"] : [])]
    const row = ((confusion[bucket] ??= {})[truth] ??= {})
    row[predicted] = (row[predicted] ?? 0) + 1
    const abstained = predicted === "und" || predicted === "mul"
    if (abstained) undetermined[bucket] = (undetermined[bucket] ?? 0) + 1
    for (const g of groups) {
      at(g, truth).support++
      if (predicted === truth) at(g, truth).tp++
      else {
        at(g, truth).fn++
        if (!abstained) at(g, predicted).fp++
      }
    }
  }
  const scores: Record<string, Record<string, LanguageScores>> = {}
  for (const [group, byLang] of counts) {
    scores[group] = {}
    for (const [lang, c] of [...byLang].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const precision = ratio(c.tp, c.tp + c.fp)
      const recall = ratio(c.tp, c.tp + c.fn)
      scores[group]![lang] = { precision, recall, f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn), support: c.support }
    }
  }
  return { segments: n, scores, confusion, undetermined }
}

/** The figures acervo's issue asks for, read off an evaluation. */
export const langidTargets = (e: Evaluation) => {
  const f1 = (group: string, lang: string) => e.scores[group]?.[lang]?.f1 ?? null
  const core = new Set(["spa", "por", "arn", "rap"])
  let confuserSegments = 0
  let confuserAsOurs = 0
  for (const bucket of Object.values(e.confusion)) {
    for (const [truth, row] of Object.entries(bucket)) {
      if (core.has(truth)) continue
      for (const [pred, n] of Object.entries(row)) {
        confuserSegments += n
        if (pred === "rap" || pred === "arn") confuserAsOurs += n
      }
    }
  }
  return {
    "rap F1 >20": f1(">20", "rap"),
    "arn F1 >20": f1(">20", "arn"),
    "spa F1 >50": f1(">50", "spa"),
    "por F1 >50": f1(">50", "por"),
    "confusers labelled rap or arn": confuserSegments === 0 ? null : Math.round((confuserAsOurs / confuserSegments) * 10_000) / 10_000,
    confuserSegments
  }
}

const formatScore = (x: number | null) => (x === null ? "–" : x.toFixed(3))

/** An evaluation as `acervo langid eval` prints it, with the share labelled correctly by source. */
export const renderEvaluation = (e: Evaluation, bySource: Record<string, { n: number; right: number }>) => {
  const langs = [...new Set(Object.values(e.scores).flatMap((g) => Object.keys(g)))].sort()
  const groups = [...LENGTH_BUCKETS, ">20", ">50", "all"]
  const rows = langs.map((l) => [l, ...groups.map((g) => {
    const s = e.scores[g]?.[l]
    return s && s.support + (s.precision === null ? 0 : 1) > 0 ? `${formatScore(s.precision)} ${formatScore(s.recall)} ${formatScore(s.f1)} (${s.support})` : "–"
  })])
  const lines = [`${e.segments} segments; precision recall F1 (segments) per language and length in characters`, "", table(["lang", ...groups], rows), ""]
  for (const bucket of LENGTH_BUCKETS) {
    const m = e.confusion[bucket]
    if (!m) continue
    const cols = [...new Set(Object.values(m).flatMap((r) => Object.keys(r)))].sort()
    lines.push(`confusion, ${bucket} characters (rows: true language, columns: label given)`, table(["", ...cols], Object.keys(m).sort().map((t) => [t, ...cols.map((c) => m[t]![c] ?? "")])), "")
  }
  lines.push("share labelled correctly by source, over 20 characters", table(["source", "segments", "correct"], Object.entries(bySource).sort().map(([s, v]) => [s, v.n, (v.right / v.n).toFixed(3)])), "")
  const t = langidTargets(e)
  lines.push(table(["target", "measured"], Object.entries(t).map(([k, v]) => [k, v === null ? "–" : String(v)])))
  return lines.join("\n")
}
