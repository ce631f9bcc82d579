import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeSink from "@effect/platform-node/NodeSink"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Chunk, Console, Effect, Either, Option, ParseResult, Schema, Stream } from "effect"
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { dirname, join } from "node:path"
import { MissingProfiles, type IdentifyOptions, reloadProfiles, scorerFor } from "../../../stages/langid/identify.ts"
import { IdentifierPool, identifierPoolLayer } from "../../workers/langid-pool.ts"
import { loadProfiles } from "../../../stages/langid/profile.ts"
import { buildProfile, calibrate, readTrainingFile, type TrainingFile } from "../../../stages/langid/train.ts"
import { identifyJsonlLines, identifyText } from "../../../stages/langid/jsonl.ts"
import { IdentifyJsonlBatch, type IdentificationResult } from "../../../stages/langid/worker-protocol.ts"
import { normalizeText } from "../../../stages/normalize/normalize.ts"
import { canonicalJson } from "../../../domain/hashing.ts"
import { langidConfig } from "../../../stages/langid/config.ts"
import { UsageError } from "../../errors.ts"
import { projectRoot } from "../../../domain/project-root.ts"
import { table } from "../../table.ts"
import { loadBench } from "../bench-modules.ts"
import { PARALLEL_FROM_BYTES } from "../langid-commands.ts"

/** Texts sent to a worker at a time. */
const BATCH_LINES = 2000

const resolveOptions = (candidates: Option.Option<string>) =>
  Effect.gen(function* () {
    const settings = yield* langidConfig
    const list = Option.isSome(candidates) ? candidates.value.split(",").map((c) => c.trim()).filter(Boolean) : [...settings.candidates]
    yield* Effect.try({ try: () => scorerFor(list), catch: (e) => new UsageError({ message: e instanceof MissingProfiles ? e.message : String(e) }) })
    return { candidates: list, segments: settings.segments, dominantShare: settings.dominantShare } satisfies IdentifyOptions
  })

/** Non-blank lines of a file or standard input, decoded as UTF-8 across chunk boundaries, numbered from 1, in batches. */
const inputBatches = (file: string) =>
  Effect.gen(function* () {
    if (file === "-") {
      return NodeStream.fromReadable(() => process.stdin, (e) => new UsageError({ message: `standard input: ${String(e)}` }))
    }
    const fs = yield* FileSystem.FileSystem
    if (!existsSync(file)) return yield* new UsageError({ message: `${file}: no such file; give a JSONL file or - for standard input` })
    return fs.stream(file).pipe(Stream.mapError((e) => new UsageError({ message: `${file}: ${e.message}` })))
  }).pipe(
    Stream.unwrap,
    Stream.decodeText(),
    Stream.splitLines,
    Stream.zipWithIndex,
    Stream.filter(([line]) => line.trim().length > 0),
    Stream.grouped(BATCH_LINES)
  )

/**
 * Decodes a batch of JSONL lines with one schema check each, synchronously: per-line effects cost
 * more than the language identification itself.
 */
const decodeBatch = <A, I>(schema: Schema.Schema<A, I>, file: string, expected: string) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (batch: Chunk.Chunk<readonly [string, number]>): Effect.Effect<Array<A>, UsageError> => {
    const out: Array<A> = []
    for (const [line, i] of batch) {
      let parsed: unknown
      let problem: string | undefined
      try {
        parsed = JSON.parse(line)
      } catch (e) {
        problem = `not JSON (${(e as Error).message})`
      }
      if (problem === undefined) {
        const r = decode(parsed)
        if (Either.isRight(r)) {
          out.push(r.right)
          continue
        }
        problem = ParseResult.TreeFormatter.formatErrorSync(r.left).split("\n").slice(-1)[0]!.trim()
      }
      return Effect.fail(new UsageError({ message: `${file === "-" ? "standard input" : file}, line ${i + 1}: ${problem}; each line must be ${expected}` }))
    }
    return Effect.succeed(out)
  }
}

const workerCount = (file: string, workers: Option.Option<number>) => {
  if (Option.isSome(workers)) return Math.max(0, workers.value)
  // On two cores the thread that reads and writes competes with the workers, and one thread measured faster.
  return file !== "-" && existsSync(file) && statSync(file).size > PARALLEL_FROM_BYTES && availableParallelism() > 2 ? availableParallelism() : 0
}

/**
 * Identifies batches of JSONL lines, in order, each batch to one string of output lines: in this
 * thread, or spread over a pool of worker threads (one batch per worker at a time) when `workers` > 0.
 */
const identifyJsonlBatches = <E, R>(
  batches: Stream.Stream<Chunk.Chunk<readonly [string, number]>, E, R>,
  source: string,
  options: IdentifyOptions,
  workers: number
): Stream.Stream<string, E | UsageError, R> => {
  const request = (batch: Chunk.Chunk<readonly [string, number]>) => {
    const lines = Chunk.toArray(Chunk.map(batch, ([line]) => line))
    const numbers = Chunk.toArray(Chunk.map(batch, ([, i]) => i + 1))
    return { lines, numbers, source, ...options, candidates: [...options.candidates] }
  }
  if (workers === 0) {
    return batches.pipe(
      Stream.mapEffect((batch) => {
        const r = request(batch)
        return Either.match(identifyJsonlLines(r.lines, r.numbers, source, options), {
          onLeft: (message) => Effect.fail(new UsageError({ message })),
          onRight: Effect.succeed
        })
      })
    )
  }
  return Stream.unwrapScoped(
    Effect.map(IdentifierPool, (pool) => batches.pipe(Stream.mapEffect((batch) => pool.executeEffect(new IdentifyJsonlBatch(request(batch))), { concurrency: workers })))
  ).pipe(
    Stream.provideSomeLayer(identifierPoolLayer(workers)),
    Stream.mapError((e) =>
      typeof e === "string" ? new UsageError({ message: e }) : e instanceof UsageError ? e : new UsageError({ message: `language identification worker: ${(e as { message?: string }).message ?? String(e)}` })
    )
  )
}

const LabelledLine = Schema.Struct({ text: Schema.String, lang: Schema.String })

export const identify = ({ file, jsonl, candidates, workers }: { readonly file: string; readonly jsonl: boolean; readonly candidates: Option.Option<string>; readonly workers: Option.Option<number> }) =>
  Effect.gen(function* () {
    const options = yield* resolveOptions(candidates)
    if (!jsonl) {
      if (file !== "-" && !existsSync(file)) return yield* new UsageError({ message: `${file}: no such file; give a text file or - for standard input` })
      const { text } = normalizeText(readFileSync(file === "-" ? 0 : file, "utf8"))
      return yield* Console.log(JSON.stringify(identifyText(text, options)))
    }
    yield* identifyJsonlBatches(inputBatches(file), file === "-" ? "standard input" : file, options, workerCount(file, workers)).pipe(
      Stream.run(NodeSink.fromWritable(() => process.stdout, (e) => new UsageError({ message: `standard output: ${String(e)}` })))
    )
  })

export const evaluateFile = ({ file, candidates, workers, json }: { readonly file: string; readonly candidates: Option.Option<string>; readonly workers: Option.Option<number>; readonly json: boolean }) =>
  Effect.gen(function* () {
    const options = yield* resolveOptions(candidates)
    const { evaluate, langidTargets, renderEvaluation } = yield* loadBench("langid-eval")
    const labelled: Array<{ readonly text: string; readonly lang: string; readonly source?: string | undefined }> = []
    yield* inputBatches(file).pipe(
      Stream.mapEffect(decodeBatch(Schema.Struct({ ...LabelledLine.fields, source: Schema.optional(Schema.String) }), file, 'a JSON object with "text" and "lang" strings')),
      Stream.runForEach((lines) => Effect.sync(() => labelled.push(...lines)))
    )
    if (labelled.length === 0) return yield* new UsageError({ message: `${file}: no labelled lines; each line must be {"text": …, "lang": …}` })
    const predicted: Array<string> = []
    const asJsonl = Stream.fromIterable(labelled.map((l, i) => [JSON.stringify({ text: l.text }), i] as const)).pipe(Stream.grouped(BATCH_LINES))
    yield* identifyJsonlBatches(asJsonl, file, options, workerCount(file, workers)).pipe(
      Stream.runForEach((out) => Effect.sync(() => predicted.push(...out.trimEnd().split("\n").map((l) => (JSON.parse(l) as IdentificationResult).lang))))
    )
    const items = labelled.map((l, i) => ({ chars: [...l.text].length, truth: l.lang, predicted: predicted[i]! }))
    const evaluation = evaluate(items)
    const bySource: Record<string, { n: number; right: number }> = {}
    labelled.forEach((l, i) => {
      if (items[i]!.chars <= 20) return
      const key = `${l.lang} ${(l.source ?? "").split(":")[0]}`
      const s = (bySource[key] ??= { n: 0, right: 0 })
      s.n++
      if (items[i]!.predicted === l.lang) s.right++
    })
    if (json) return yield* Console.log(JSON.stringify({ candidates: options.candidates, ...evaluation, bySource, targets: langidTargets(evaluation) }, null, 2))
    yield* Console.log(renderEvaluation(evaluation, bySource))
  })

export const train = ({ lang, files, out, license, attribution }: { readonly lang: string; readonly files: ReadonlyArray<string>; readonly out: string; readonly license: Option.Option<string>; readonly attribution: Option.Option<string> }) =>
  Effect.gen(function* () {
    if (!/^[a-z]{3}$/.test(lang)) return yield* new UsageError({ message: `--lang ${lang}: give an ISO 639-3 code such as rap or arn` })
    const missing = files.filter((f) => !existsSync(f))
    if (missing.length > 0) return yield* new UsageError({ message: `${missing.join(", ")}: no such file; give reference text files, one segment a line` })
    const sources = readSourcesFile()
    const training = yield* Effect.try({ try: () => files.map(readTrainingFile), catch: (e) => new UsageError({ message: (e as Error).message }) })
    const profile = yield* Effect.try({
      try: () =>
        buildProfile(lang, training, Option.getOrElse(license, () => sources[lang]?.license ?? "unknown"), Option.getOrElse(attribution, () => sources[lang]?.attribution ?? "unknown")),
      catch: (e) => new UsageError({ message: (e as Error).message })
    })
    mkdirSync(out, { recursive: true })
    const target = join(out, `${lang}.json`)
    writeFileSync(target, `${JSON.stringify(profile, null, 2)}\n`)
    reloadProfiles()
    yield* Console.log(`${target}: ${lang} profile, ${profile.trigrams.split("|").length} trigrams from ${training.length} file(s), ${profile.sources.reduce((n, s) => n + s.characters, 0)} characters`)
  })

const sourcesFile = join(projectRoot, "corpora", "langid", "sources.json")
const readSourcesFile = (): Record<string, { license: string; attribution: string }> => (existsSync(sourcesFile) ? JSON.parse(readFileSync(sourcesFile, "utf8")) : {})

export const calibrateThresholds = ({ precision, out }: { readonly precision: number; readonly out: string }) =>
  Effect.gen(function* () {
    const profiles = loadProfiles()
    const training = new Map<string, ReadonlyArray<TrainingFile>>()
    for (const [lang, p] of profiles) {
      const files = p.sources.map((s) => (s.file.startsWith("/") ? s.file : join(projectRoot, s.file)))
      const missing = files.filter((f) => !existsSync(f))
      if (missing.length > 0) return yield* new UsageError({ message: `${lang}: training file(s) ${missing.join(", ")} not found; rebuild them with corpora/tools/build-langid-sets.ts` })
      training.set(lang, files.map(readTrainingFile))
    }
    const result = calibrate(training, precision)
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(
      out,
      `${JSON.stringify(
        JSON.parse(canonicalJson({ format: "acervo-langid-thresholds/1", method: `lowest confidence at which each language's labels reach precision ${precision} on out-of-fold training segments over 20 characters, every language weighing the same (2 folds)`, thresholds: result.thresholds })),
        null,
        2
      )}\n`
    )
    reloadProfiles()
    yield* Console.log(table(["lang", "threshold", "segments"], Object.entries(result.thresholds).map(([l, t]) => [l, t, result.segments[l] ?? 0])))
  })
