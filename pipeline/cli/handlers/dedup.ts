import { Console, Effect, Option } from "effect"
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { once } from "node:events"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { dedupConfig, minHashParams } from "../../../stages/dedup/config.ts"
import { InputNotFound } from "../../errors.ts"
import { loadBench } from "../bench-modules.ts"
import { appLayer } from "../layers.ts"

export const generate = ({ out, mb, seed }: { readonly out: string; readonly mb: number; readonly seed: Option.Option<number> }) =>
  Effect.gen(function* () {
    const settings = yield* dedupConfig
    const { defaultPlantOptions, plantCorpus } = yield* loadBench("dedup-plant")
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

export const evaluate = ({ documents, pairs, json }: { readonly documents: string; readonly pairs: string; readonly json: boolean }) =>
  Effect.gen(function* () {
    if (!existsSync(documents)) return yield* new InputNotFound({ path: documents, hint: "no such file; give a JSONL of {\"id\", \"text\"} lines, e.g. what `acervo dedup generate` wrote" })
    const { evaluateDedup, evaluationBatch, readPairs, renderDedupEvaluation } = yield* loadBench("dedup-eval")
    const truth = yield* readPairs(pairs)
    const work = mkdtempSync(join(tmpdir(), "acervo-dedup-eval-"))
    const result = yield* evaluateDedup(evaluationBatch(join(work, "batch"), "dedup-eval", documents), truth).pipe(
      Effect.provide(appLayer({ home: join(work, "home") })),
      Effect.ensuring(Effect.sync(() => rmSync(work, { recursive: true, force: true })))
    )
    yield* Console.log(json ? JSON.stringify(result.evaluation, null, 2) : renderDedupEvaluation(result.evaluation))
  })
