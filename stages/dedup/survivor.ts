import { Effect } from "effect"
import type { SurvivorFacts } from "../../domain/document.ts"
import type { DedupConfig as DedupSettings, SurvivorCriterion } from "./config.ts"

const preference = (list: ReadonlyArray<string>, value: string | null) => {
  const i = value === null ? -1 : list.indexOf(value)
  return i === -1 ? list.length : i
}

const compareBy = (criterion: SurvivorCriterion, settings: DedupSettings, a: SurvivorFacts, b: SurvivorFacts): number => {
  switch (criterion) {
    case "earliest":
      return a.batchSeq - b.batchSeq || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.line - b.line
    case "institution":
      return preference(settings.preferredInstitutions, a.institution) - preference(settings.preferredInstitutions, b.institution)
    case "kind":
      return preference(settings.preferredKinds, a.kind) - preference(settings.preferredKinds, b.kind)
    case "quality":
      return (a.noise ?? Infinity) - (b.noise ?? Infinity) || b.words - a.words
  }
}

/**
 * The survivor rule as an order, best first: the configured criteria in turn, then the earliest
 * submission, then the record id, so that every cluster has exactly one survivor whatever order its
 * copies arrived in.
 */
export const compareSurvivors = (settings: DedupSettings) => (a: SurvivorFacts, b: SurvivorFacts): number => {
  for (const criterion of [...settings.survivor, "earliest" as const]) {
    const c = compareBy(criterion, settings, a, b)
    if (c !== 0 && !Number.isNaN(c)) return c
  }
  return a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0
}

/** One line saying why the rule chose this survivor, for the exclusion's detail. */
export const describeRule = (settings: DedupSettings): string =>
  [...new Set([...settings.survivor, "earliest" as const])]
    .map((c) =>
      c === "institution" ? `preferred institution (${settings.preferredInstitutions.join(", ") || "none listed"})`
      : c === "kind" ? `preferred kind (${settings.preferredKinds.join(", ") || "none listed"})`
      : c === "quality" ? "cleanest text"
      : "earliest submission"
    )
    .join(", then ")

/** Noise from the quality stage's measurements: symbols plus unrepaired mojibake, per character. */
export const noiseOf = (quality: Readonly<Record<string, unknown>> | undefined | null): number | null => {
  if (!quality) return null
  const symbols = typeof quality["symbolRatio"] === "number" ? quality["symbolRatio"] : 0
  const mojibake = typeof quality["mojibakePerThousand"] === "number" ? quality["mojibakePerThousand"] / 1000 : 0
  return symbols + mojibake
}

/**
 * The first copy, in rule order, that stands. The one election of a cluster's survivor: when a
 * cluster forms and its best copy is refused by the gate, and when its survivor is withdrawn.
 */
export const electSurvivor = <M, E, R>(ranked: ReadonlyArray<M>, stands: (member: M) => Effect.Effect<boolean, E, R>): Effect.Effect<M | undefined, E, R> =>
  Effect.gen(function* () {
    for (const member of ranked) if (yield* stands(member)) return member
    return undefined
  })
