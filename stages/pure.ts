import type { PipelineDocument, StageOutcome } from "../domain/document.ts"
import type { AnyStage } from "./stage.ts"

/** What one stage's pure part did to a chunk: its own stats, as datatrove keeps them per step. */
export interface PureStageStats {
  readonly stage: string
  documents: number
  characters: number
  millis: number
  excluded: Record<string, number>
}

export interface PureResult {
  /** One outcome per document, in the order of the chunk. */
  readonly outcomes: ReadonlyArray<StageOutcome>
  readonly stats: ReadonlyArray<PureStageStats>
}

/** Told before a stage's pure part starts on a document: `stage` indexes the stage list given, `document` the chunk. */
export type OnDocument = (stage: number, document: number) => void

/**
 * The pure parts of `stages`, in order, over a chunk: a document excluded by one goes no further.
 * `configs[i]` is the resolved configuration of `stages[i]`. Runs in a worker thread or in place;
 * a worker thread passes `onDocument` so that the pool can see which document is taking how long.
 */
export const runPureParts = (stages: ReadonlyArray<Pick<AnyStage, "name" | "pure">>, configs: ReadonlyArray<unknown>, onDocument?: OnDocument) => {
  const parts = stages.flatMap((stage, i) => (stage.pure ? [{ name: stage.name, index: i, apply: stage.pure(configs[i]) }] : []))
  return (chunk: ReadonlyArray<PipelineDocument>): PureResult => {
    const stats = parts.map((p): PureStageStats => ({ stage: p.name, documents: 0, characters: 0, millis: 0, excluded: {} }))
    const outcomes = chunk.map((doc): StageOutcome => ({ _tag: "Kept", document: doc }))
    for (const [k, part] of parts.entries()) {
      const s = stats[k]!
      const t0 = performance.now()
      for (let i = 0; i < outcomes.length; i++) {
        const current = outcomes[i]!
        if (current._tag !== "Kept") continue
        s.documents++
        s.characters += current.document.text.length
        onDocument?.(part.index, i)
        const next = part.apply(current.document)
        if (next._tag === "Excluded") s.excluded[next.reason.code] = (s.excluded[next.reason.code] ?? 0) + 1
        outcomes[i] = next
      }
      s.millis += performance.now() - t0
    }
    return { outcomes, stats }
  }
}
