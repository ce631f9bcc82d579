import { Console, Effect, Option } from "effect"
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { once } from "node:events"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { DedupEvaluation } from "../../../bench/dedup-score.ts"
import { dedupConfig, minHashParams } from "../../../stages/dedup/config.ts"
import { defaultPlantOptions, plantCorpus } from "../../../bench/dedup-plant.ts"
import { evaluateDedup, evaluationBatch, readPairs } from "../../../bench/dedup-eval.ts"
import { InputNotFound } from "../../errors.ts"
import { table } from "../../status.ts"
import { appLayer } from "../layers.ts"

export const generate = ({ out, mb, seed }: { readonly out: string; readonly mb: number; readonly seed: Option.Option<number> }) =>
  Effect.gen(function* () {
    const settings = yield* dedupConfig
    mkdirSync(out, { recursive: true })
    const counts = yield* Effect.promise(async () => {
      const docs = createWriteStream(join(out, "documents.jsonl"))
      const pairs = createWriteStream(join(out, "pairs.jsonl"))
      const write = async (stream: NodeJS.WritableStream, value: unknown) => {
        if (!stream.write(JSON.stringify(value) + "\n")) await once(stream, "drain")
      }
      const options = { ...defaultPlantOptions, megabytes: mb, seed: Option.getOrElse(seed, () => defaultPlantOptions.seed), params: minHashParams(settings) }
      const result = await plantCorpus(options, (d) => write(docs, d), (p) => write(pairs, p))
      await Promise.all([docs, pairs].map((s) => new Promise((resolve) => s.end(resolve))))
      return result
    })
    yield* Console.log(
      `${join(out, "documents.jsonl")}: ${counts.documents} documents, ${(counts.bytes / 1e6).toFixed(1)} MB (${counts.originals} originals, ${counts.copies} planted copies, ${counts.decoys} boilerplate decoys)\n${join(out, "pairs.jsonl")}: ${counts.copies} planted pairs with their Jaccard similarity`
    )
  })

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

export const evaluate = ({ documents, pairs, json }: { readonly documents: string; readonly pairs: string; readonly json: boolean }) =>
  Effect.gen(function* () {
    if (!existsSync(documents)) return yield* new InputNotFound({ path: documents, hint: "no such file; give a JSONL of {\"id\", \"text\"} lines, e.g. what `acervo dedup generate` wrote" })
    const truth = yield* readPairs(pairs)
    const work = mkdtempSync(join(tmpdir(), "acervo-dedup-eval-"))
    const result = yield* evaluateDedup(evaluationBatch(join(work, "batch"), "dedup-eval", documents), truth).pipe(
      Effect.provide(appLayer({ home: join(work, "home") })),
      Effect.ensuring(Effect.sync(() => rmSync(work, { recursive: true, force: true })))
    )
    yield* Console.log(json ? JSON.stringify(result.evaluation, null, 2) : renderDedupEvaluation(result.evaluation))
  })
