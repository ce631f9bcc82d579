import { Effect, ParseResult, Schema } from "effect"
import { copyFileSync, createReadStream, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { dedupStage } from "../stages/dedup/dedup.ts"
import { scoreDedup, type DedupDecision, type DedupEvaluation } from "./dedup-score.ts"
import type { PlantedPair } from "./dedup-plant.ts"
import { gateStage } from "../stages/gate/gate.ts"
import { normalizeStage } from "../stages/normalize/normalize.ts"
import { submitBatch } from "../pipeline/batch/submit.ts"
import { DedupReport } from "../catalog/dedup-report.ts"
import { stageConfig } from "../pipeline/config.ts"
import { InputNotFound, UsageError } from "../pipeline/errors.ts"
import { processPendingWith } from "../pipeline/run.ts"
import { table } from "../pipeline/table.ts"

/** The stages a dedup evaluation runs: what dedup needs before it, and the gate that settles survivors. */
export const dedupEvaluationStages = [normalizeStage, dedupStage, gateStage]

const PlantedPairLine = Schema.Struct({
  a: Schema.String,
  b: Schema.String,
  kind: Schema.Literal("rewrap", "ocr-noise", "header-footer", "orthography", "excerpt", "edition"),
  jaccard: Schema.Number
})
const decodePair = Schema.decodeUnknownEither(Schema.parseJson(PlantedPairLine))

export const readPairs = (path: string) =>
  Effect.tryPromise({
    try: async () => {
      const pairs: Array<PlantedPair> = []
      let n = 0
      for await (const line of createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })) {
        n++
        if (!line.trim()) continue
        const pair = decodePair(line)
        if (pair._tag === "Left") {
          const issue = ParseResult.ArrayFormatter.formatErrorSync(pair.left)[0]
          throw new Error(`line ${n} is not a planted pair {"a", "b", "kind", "jaccard"}: ${issue ? `${issue.path.length ? `at ${issue.path.join(".")}: ` : ""}${issue.message}` : "unreadable"}`)
        }
        pairs.push(pair.right)
      }
      return pairs
    },
    catch: (e) =>
      (e as NodeJS.ErrnoException).code === "ENOENT"
        ? new InputNotFound({ path, hint: "no such file; give the pairs JSONL that `acervo dedup generate` wrote" })
        : new UsageError({ message: `${path}: ${(e as Error).message}` })
  })

/** Every document's dedup decision in the catalog, by its id in the submitted JSONL. */
export const dedupDecisions = Effect.gen(function* () {
  const rows = yield* Effect.orDie((yield* DedupReport).decisions)
  const decisions = new Map<string, DedupDecision | undefined>()
  for (const r of rows) {
    if (r.status === "kept") decisions.set(r.local_id, { survivor: r.local_id, reason: null })
    else if (r.stage === "dedup" && r.survivor) decisions.set(r.local_id, { survivor: r.survivor, reason: r.reason_code })
    else decisions.set(r.local_id, undefined)
  }
  return decisions
})

/** Writes a batch folder around a documents JSONL, under a licence and consent the gate admits. */
export const evaluationBatch = (dir: string, id: string, documents?: string) => {
  mkdirSync(dir, { recursive: true })
  if (documents) copyFileSync(documents, join(dir, "documents.jsonl"))
  writeFileSync(
    join(dir, "batch.json"),
    JSON.stringify({
      format: "acervo-batch/1",
      institution: "dedup-eval",
      id,
      title: "planted duplicates for acervo dedup eval",
      defaults: { license: "CC-BY-4.0", consent: { basis: "license", reference: "generated from CC BY reference texts", scope: ["pretraining"] } }
    })
  )
  return dir
}

/**
 * Submits the documents as one batch to the catalog in use (a fresh one for an evaluation), runs
 * normalize, dedup and gate, and scores the clusters against the planted pairs.
 */
export const evaluateDedup = (batchDir: string, pairs: ReadonlyArray<PlantedPair>) =>
  Effect.gen(function* () {
    const settings = yield* stageConfig(dedupStage)
    yield* submitBatch(batchDir)
    const summary = yield* processPendingWith(dedupEvaluationStages)
    const decisions = yield* dedupDecisions
    return { summary, evaluation: scoreDedup(decisions, pairs, settings.jaccard) as DedupEvaluation }
  })

/** An evaluation as `acervo dedup eval` prints it. */
export const renderDedupEvaluation = (e: DedupEvaluation): string =>
  [
    `documents ${e.documents} (${e.notEvaluated} excluded before dedup), planted pairs ${e.pairs}, of which ${e.targetPairs} at Jaccard ≥ ${e.threshold}`,
    e.targetPairs === 0
      ? `recall: not measured, no planted pair reached Jaccard ${e.threshold} among the documents dedup saw`
      : `recall (pairs at Jaccard ≥ ${e.threshold} ending in one cluster): ${e.recall.toFixed(4)}   target ≥ 0.95 ${e.recall >= 0.95 ? "met" : "NOT met"}`,
    e.merges === 0
      ? "precision: not measured, nothing was merged"
      : `precision (merged documents merged into a copy of the same text): ${e.precision.toFixed(4)} (${e.correctMerges}/${e.merges})   target ≥ 0.98 ${e.precision >= 0.98 ? "met" : "NOT met"}`,
    "",
    table(
      ["copy kind", "pairs", "found", "mean Jaccard", `pairs ≥ ${e.threshold}`, "recall there"],
      Object.entries(e.byKind).map(([kind, k]) => [kind, k.pairs, k.found, k.meanJaccard.toFixed(3), k.atThreshold, k.atThreshold ? k.recall.toFixed(3) : "–"])
    ),
    "",
    table(["Jaccard", "pairs", "found", "share found"], e.byJaccard.map((r) => [r.range, r.pairs, r.found, r.pairs ? r.recall.toFixed(3) : "–"])),
    ...(e.wrongMerges.length ? ["", "wrong merges (document → survivor):", ...e.wrongMerges.map((w) => `  ${w.document} → ${w.survivor}`)] : [])
  ].join("\n")
