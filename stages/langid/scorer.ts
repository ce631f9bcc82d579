import type { LanguageProfile } from "./profile.ts"
import { PROFILE_SIZE } from "./profile.ts"
import { scoringText } from "./fold.ts"

/**
 * Cost of a trigram at rank r of a profile: −log of a Zipf probability, p(r) ∝ 1/(r + ZIPF_OFFSET).
 * franc adds the rank itself (an out-of-place distance); reading ranks as Zipf probabilities makes the
 * sum a naive-Bayes log-likelihood, which was slightly better on the development set for short
 * segments and gives a posterior to report as confidence.
 */
const ZIPF_OFFSET = 10
const MISSING_COST = Math.log(PROFILE_SIZE + ZIPF_OFFSET) + 2
/** Nats of log-likelihood that count as one unit in the confidence softmax. */
const TEMPERATURE = 4

export interface SegmentScore {
  readonly lang: string
  /** Posterior of the best language among the candidates, tempered: 0.5 is a coin toss between two. */
  readonly confidence: number
  /** Trigrams scored. */
  readonly trigrams: number
}

/**
 * Whether at least half the letters of scoring text (letters, marks and spaces only) are Latin:
 * Basic Latin to IPA extensions, spacing modifiers (ʻ), Latin Extended Additional and Extended-D (ꞌ).
 * A loop over char codes, because two global regular-expression matches per segment cost more than
 * the scoring.
 */
const mostlyLatin = (value: string): boolean => {
  let latin = 0
  let other = 0
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 32) continue
    if (c < 0x0370 || (c >= 0x1e00 && c <= 0x1eff) || (c >= 0xa720 && c <= 0xa7ff)) latin++
    else other++
  }
  return latin >= other
}

const trigramKey = (a: number, b: number, c: number) => (a * 65536 + b) * 65536 + c

const UND: SegmentScore = { lang: "und", confidence: 0, trigrams: 0 }

/**
 * Scores text against a fixed candidate set. The profiles are turned once into one table, trigram →
 * cost per candidate, so scoring a segment is one hash lookup per trigram and a short loop.
 * Text mostly in a script none of the profiles is written in (all candidates are Latin-script) is
 * `und` at once rather than a guess.
 */
export class ProfileScorer {
  readonly languages: ReadonlyArray<string>
  /** Keyed by the trigram's three UTF-16 code units as one number: no substring is made per position. */
  private readonly table = new Map<number, Float64Array>()

  constructor(profiles: ReadonlyArray<LanguageProfile>, private readonly minLetters = 3) {
    this.languages = profiles.map((p) => p.lang)
    const n = profiles.length
    profiles.forEach((profile, j) => {
      profile.trigrams.split("|").forEach((trigram, rank) => {
        if (trigram.length !== 3) return
        const key = trigramKey(trigram.charCodeAt(0), trigram.charCodeAt(1), trigram.charCodeAt(2))
        let row = this.table.get(key)
        if (!row) {
          row = new Float64Array(n).fill(MISSING_COST)
          this.table.set(key, row)
        }
        row[j] = Math.log(rank + ZIPF_OFFSET)
      })
    })
  }

  /** Log-likelihood costs per candidate (lower is better) and the number of trigrams, or undefined when the text is not scorable. */
  costs(text: string): { readonly costs: Float64Array; readonly trigrams: number } | undefined {
    const value = scoringText(text)
    const letters = value.length - 2
    if (letters < this.minLetters) return undefined
    if (!mostlyLatin(value)) return undefined
    const n = this.languages.length
    const costs = new Float64Array(n)
    let trigrams = 0
    let unknown = 0
    let a = value.charCodeAt(0)
    let b = value.charCodeAt(1)
    for (let i = 2; i < value.length; i++) {
      const c = value.charCodeAt(i)
      trigrams++
      const row = this.table.get(trigramKey(a, b, c))
      a = b
      b = c
      if (row === undefined) {
        unknown++
        continue
      }
      for (let j = 0; j < n; j++) costs[j]! += row[j]!
    }
    if (unknown > 0) for (let j = 0; j < n; j++) costs[j]! += unknown * MISSING_COST
    return { costs, trigrams }
  }

  score(text: string): SegmentScore {
    const result = this.costs(text)
    if (!result) return UND
    const { costs, trigrams } = result
    let best = 0
    for (let j = 1; j < costs.length; j++) if (costs[j]! < costs[best]!) best = j
    let denominator = 0
    for (let j = 0; j < costs.length; j++) denominator += Math.exp((costs[best]! - costs[j]!) / TEMPERATURE)
    return { lang: this.languages[best]!, confidence: 1 / denominator, trigrams }
  }
}
