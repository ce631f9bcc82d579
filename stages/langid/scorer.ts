import { data } from "franc-all/data.js"
import { expressions } from "franc-all/expressions.js"

const MAX_LENGTH = 2048
const MAX_DIFFERENCE = 300

export type Ranked = ReadonlyArray<readonly [string, number]>
const UND: Ranked = [["und", 1]]

interface Model {
  readonly lang: string
  readonly ranks: ReadonlyMap<string, number>
}

/**
 * franc-all's trigram models and distance, scored against a fixed candidate set whose models are
 * built once. franc itself rebuilds nothing either, but it tests every script it knows (some forty
 * regular expressions) on each call and filters its model table per call; with the candidates known
 * up front, only their scripts are tested. Results equal `francAll(text, { only, minLength })`
 * (a test checks this on real text), except that a text whose letters are mostly in a script no
 * candidate uses is `und` at once.
 */
export class TrigramScorer {
  private readonly byScript: ReadonlyArray<{ readonly script: string; readonly expression: RegExp; readonly models: ReadonlyArray<Model> }>

  constructor(candidates: ReadonlyArray<string>, private readonly minLength = 10) {
    const scripts = new Map<string, Array<Model>>()
    for (const [script, languages] of Object.entries(data)) {
      for (const [lang, model] of Object.entries(languages)) {
        if (!candidates.includes(lang)) continue
        const ranks = new Map<string, number>()
        model.split("|").forEach((trigram, rank) => ranks.set(trigram, rank))
        scripts.set(script, [...(scripts.get(script) ?? []), { lang, ranks }])
      }
    }
    this.byScript = [...scripts].map(([script, models]) => ({ script, expression: new RegExp(expressions[script]!.source, "g"), models }))
  }

  get languages(): ReadonlyArray<string> {
    return this.byScript.flatMap((s) => s.models.map((m) => m.lang))
  }

  rank(input: string): Ranked {
    if (input.length < this.minLength) return UND
    const value = input.slice(0, MAX_LENGTH)
    let best: (typeof this.byScript)[number] | undefined
    let bestCount = 0
    for (const s of this.byScript) {
      s.expression.lastIndex = 0
      const count = value.match(s.expression)?.length ?? 0
      if (count > bestCount) {
        best = s
        bestCount = count
      }
    }
    if (!best) return UND
    // Letters of scripts no candidate writes in outnumber the candidates' script: not ours to say.
    const letters = value.match(/\p{L}/gu)?.length ?? 0
    if (letters - bestCount > bestCount) return UND
    const counts = trigramCounts(value)
    const distances: Array<[string, number]> = best.models.map((m) => {
      let distance = 0
      for (const [trigram, count] of counts) {
        const rank = m.ranks.get(trigram)
        distance += rank === undefined ? MAX_DIFFERENCE : Math.abs(count - rank - 1)
      }
      return [m.lang, distance]
    })
    distances.sort((a, b) => a[1] - b[1])
    const min = distances[0]![1]
    const max = value.length * MAX_DIFFERENCE - min
    return distances.map(([lang, d]) => [lang, 1 - (d - min) / max || 0] as const)
  }
}

/** franc's cleaning (ASCII punctuation and digits out, white space collapsed, lower case) and padded trigrams, counted. */
const trigramCounts = (value: string): Map<string, number> => {
  const cleaned = ` ${value.replace(/[\u0021-\u0040]+/g, " ").replace(/\s+/g, " ").trim().toLowerCase()} `
  const counts = new Map<string, number>()
  for (let i = 0; i + 3 <= cleaned.length; i++) {
    const t = cleaned.slice(i, i + 3)
    counts.set(t, (counts.get(t) ?? 0) + 1)
  }
  return counts
}
