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
