import type { CopyKind, PlantedPair } from "./dedup-plant.ts"

/** What the pipeline decided for one evaluated document. */
export interface DedupDecision {
  /** The document id of the copy it was merged into, or its own id when it stands. */
  readonly survivor: string
  readonly reason: string | null
}

export interface RecallRow {
  readonly pairs: number
  readonly found: number
  readonly recall: number
}

export interface DedupEvaluation {
  readonly threshold: number
  readonly documents: number
  /** Documents the pipeline excluded before dedup (empty after normalising), left out of scoring. */
  readonly notEvaluated: number
  readonly pairs: number
  /** Planted pairs at or above the threshold: the pairs recall is measured on. */
  readonly targetPairs: number
  readonly recall: number
  /** Documents merged into another, and how many into a copy of the same text. */
  readonly merges: number
  readonly correctMerges: number
  readonly precision: number
  /** Per kind of copy: all its pairs and how many were found; recall on those at the threshold. */
  readonly byKind: Readonly<Record<string, { readonly pairs: number; readonly found: number; readonly meanJaccard: number; readonly atThreshold: number; readonly foundAtThreshold: number; readonly recall: number }>>
  readonly byJaccard: ReadonlyArray<RecallRow & { readonly range: string }>
  /** A few wrong merges, for a person to look at. */
  readonly wrongMerges: ReadonlyArray<{ readonly document: string; readonly survivor: string }>
}

class Families {
  private readonly parent = new Map<string, string>()
  find(x: string): string {
    let root = x
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) root = p
    this.parent.set(x, root)
    return root
  }
  union(a: string, b: string) {
    const ra = this.find(a)
    const rb = this.find(b)
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb)
  }
}

const row = (pairs: number, found: number): RecallRow => ({ pairs, found, recall: pairs === 0 ? 1 : found / pairs })

const JACCARD_RANGES: ReadonlyArray<[number, number]> = [[0, 0.5], [0.5, 0.8], [0.8, 0.85], [0.85, 0.9], [0.9, 0.95], [0.95, 1.0001]]

/**
 * Scores dedup decisions against planted pairs. Recall: of the planted pairs whose shingle Jaccard
 * similarity reaches the threshold, the share that ended in one cluster. Precision: of the documents
 * merged into another, the share merged into a copy of the same text (pairs are joined
 * transitively: two copies of one original are copies of each other).
 */
export const scoreDedup = (
  documents: ReadonlyMap<string, DedupDecision | undefined>,
  pairs: ReadonlyArray<PlantedPair>,
  threshold: number
): DedupEvaluation => {
  const families = new Families()
  for (const p of pairs) families.union(p.a, p.b)
  const survivorOf = (id: string) => documents.get(id)?.survivor
  let targetPairs = 0
  let targetFound = 0
  const kinds = new Map<CopyKind, { pairs: number; found: number; jaccard: number; atThreshold: number; foundAtThreshold: number }>()
  const ranges = JACCARD_RANGES.map(() => ({ pairs: 0, found: 0 }))
  for (const p of pairs) {
    const a = survivorOf(p.a)
    const b = survivorOf(p.b)
    if (a === undefined || b === undefined) continue
    const found = a === b
    const k = kinds.get(p.kind) ?? { pairs: 0, found: 0, jaccard: 0, atThreshold: 0, foundAtThreshold: 0 }
    k.pairs++
    k.jaccard += p.jaccard
    if (found) k.found++
    if (p.jaccard >= threshold) {
      targetPairs++
      k.atThreshold++
      if (found) {
        targetFound++
        k.foundAtThreshold++
      }
    }
    kinds.set(p.kind, k)
    const r = JACCARD_RANGES.findIndex(([lo, hi]) => p.jaccard >= lo && p.jaccard < hi)
    ranges[r]!.pairs++
    if (found) ranges[r]!.found++
  }
  let merges = 0
  let correct = 0
  const wrong: Array<{ document: string; survivor: string }> = []
  let notEvaluated = 0
  for (const [id, decision] of documents) {
    if (!decision) {
      notEvaluated++
      continue
    }
    if (decision.survivor === id) continue
    merges++
    if (families.find(id) === families.find(decision.survivor)) correct++
    else if (wrong.length < 10) wrong.push({ document: id, survivor: decision.survivor })
  }
  return {
    threshold,
    documents: documents.size,
    notEvaluated,
    pairs: pairs.length,
    targetPairs,
    recall: targetPairs === 0 ? 1 : targetFound / targetPairs,
    merges,
    correctMerges: correct,
    precision: merges === 0 ? 1 : correct / merges,
    byKind: Object.fromEntries(
      [...kinds].sort(([a], [b]) => a.localeCompare(b)).map(([kind, k]) => [
        kind,
        {
          pairs: k.pairs,
          found: k.found,
          meanJaccard: k.pairs === 0 ? 0 : k.jaccard / k.pairs,
          atThreshold: k.atThreshold,
          foundAtThreshold: k.foundAtThreshold,
          recall: row(k.atThreshold, k.foundAtThreshold).recall
        }
      ])
    ),
    byJaccard: JACCARD_RANGES.map(([lo, hi], i) => ({ range: `${lo.toFixed(2)}–${Math.min(hi, 1).toFixed(2)}`, ...row(ranges[i]!.pairs, ranges[i]!.found) })),
    wrongMerges: wrong
  }
}
