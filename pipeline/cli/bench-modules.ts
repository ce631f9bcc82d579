import * as Effect from "effect/Effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { projectRoot } from "../../domain/project-root.ts"
import type { DedupIndexError } from "../../stages/dedup/dedup-index.ts"
import type { MinHashParams } from "../../stages/dedup/minhash.ts"
import { UsageError, type UserFacingError } from "../errors.ts"
import type { AppServices } from "./layers.ts"

// The bench/ modules that `acervo dedup generate|eval`, `acervo quality eval` and `acervo langid eval`
// run, as those commands use them. bench/ (benchmarks, evaluations, corpus generators) is not
// compiled into dist/: the commands load its sources at run time by a computed path, which tsc does
// not follow. bench/cli-modules.ts checks that the modules satisfy these interfaces. Types the
// command line only passes from one function of a module to another are parameters.

/** bench/dedup-plant.ts: documents with planted duplicates. `Options` are the generator's other options. */
export interface DedupPlantModule<Options extends { readonly seed: number } = { readonly seed: number }> {
  readonly defaultPlantOptions: Options
  readonly plantCorpus: (
    options: Options & { readonly megabytes: number; readonly seed: number; readonly params: MinHashParams },
    emit: (document: unknown) => Promise<void>,
    emitPair: (pair: unknown) => Promise<void>
  ) => Promise<{ readonly documents: number; readonly bytes: number; readonly originals: number; readonly copies: number; readonly decoys: number }>
}

/** bench/dedup-eval.ts: dedup scored on planted duplicates, in the catalog it is given. */
export interface DedupEvalModule<Pair = unknown, Evaluation = unknown> {
  readonly readPairs: (path: string) => Effect.Effect<ReadonlyArray<Pair>, UserFacingError>
  /** Writes a batch folder around a documents JSONL; returns the folder. */
  readonly evaluationBatch: (dir: string, id: string, documents?: string) => string
  readonly evaluateDedup: (batchDir: string, pairs: ReadonlyArray<Pair>) => Effect.Effect<{ readonly evaluation: Evaluation }, UserFacingError | DedupIndexError, AppServices>
  readonly renderDedupEvaluation: (evaluation: Evaluation) => string
}

/** bench/quality-eval.ts: keep and remove rates of the quality stage on reference texts. */
export interface QualityEvalModule<Result = unknown> {
  readonly evaluateQuality: () => Promise<ReadonlyArray<Result>>
  readonly renderQualityEvaluation: (results: ReadonlyArray<Result>) => string
}

/** bench/langid-eval.ts: precision, recall and F1 of language labels by length. */
export interface LangidEvalModule<Evaluation extends object = object> {
  readonly evaluate: (items: Iterable<{ readonly chars: number; readonly truth: string; readonly predicted: string }>) => Evaluation
  readonly langidTargets: (evaluation: Evaluation) => Readonly<Record<string, number | null>>
  readonly renderEvaluation: (evaluation: Evaluation, bySource: Record<string, { n: number; right: number }>) => string
}

export interface BenchModules {
  readonly "dedup-plant": DedupPlantModule
  readonly "dedup-eval": DedupEvalModule
  readonly "quality-eval": QualityEvalModule
  readonly "langid-eval": LangidEvalModule
}

/** Running from dist/: the bench sources need tsx, registered once. */
let typeScriptLoader: Promise<void> | undefined
const needsTypeScriptLoader = import.meta.url.endsWith(".js")

/** `bench/<name>.ts` from the project's sources. */
export const loadBench = <K extends keyof BenchModules>(name: K): Effect.Effect<BenchModules[K], UsageError> => {
  const file = join(projectRoot, "bench", `${name}.ts`)
  if (!existsSync(file)) return Effect.fail(new UsageError({ message: `${file}: not found; this command runs acervo's bench/ sources, which this copy of acervo lacks` }))
  return Effect.promise(async () => {
    if (needsTypeScriptLoader) await (typeScriptLoader ??= import("tsx/esm/api").then(({ register }) => void register()))
    const url: string = pathToFileURL(file).href
    return (await import(url)) as BenchModules[K]
  })
}
