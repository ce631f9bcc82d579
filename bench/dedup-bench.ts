import { Effect, ManagedRuntime } from "effect"
import { createReadStream, createWriteStream, rmSync } from "node:fs"
import { once } from "node:events"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { bandBuckets, shingles, signature } from "../stages/dedup/minhash.ts"
import { scoreDedup } from "./dedup-score.ts"
import { defaultPlantOptions, loadSentencePools, plantCorpus, type PlantedDocument, type PlantedPair } from "./dedup-plant.ts"
import { submitBatch } from "../pipeline/batch/submit.ts"
import { DedupReport } from "../catalog/dedup-report.ts"
import { appLayer } from "../pipeline/cli/layers.ts"
import { defaultDedupConfig as defaultDedupSettings } from "../stages/dedup/config.ts"
import { dedupDecisions, dedupEvaluationStages, evaluationBatch } from "./dedup-eval.ts"
import { Progress } from "../pipeline/progress.ts"
import { processPendingWith } from "../pipeline/run.ts"
import { table } from "../pipeline/status.ts"

/**
 * The near-duplicate benchmark: a corpus of planted duplicates over real text, indexed into a fresh
 * catalog (normalize, dedup, gate), scored; then a 1% increment that also copies indexed documents,
 * processed against the index. Prints signature throughput on one core, the increment's share of
 * the full indexing time, bytes of index per document, recall and precision, and peak RSS.
 */
export const benchDedup = async (work: string, megabytes: number) => {
  const dir = join(work, "dedup")
  rmSync(dir, { recursive: true, force: true })
  let peak = 0
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
  const pools = await loadSentencePools()

  const generate = async (batchDir: string, id: string, options: Parameters<typeof plantCorpus>[0], keepSample: boolean) => {
    evaluationBatch(batchDir, id)
    const out = createWriteStream(join(batchDir, "documents.jsonl"))
    const pairs: Array<PlantedPair> = []
    const sample: Array<PlantedDocument> = []
    let n = 0
    const counts = await plantCorpus(
      options,
      async (d) => {
        if (keepSample && n++ % 500 === 0) sample.push(d)
        if (!out.write(JSON.stringify(d) + "\n")) await once(out, "drain")
      },
      (p) => void pairs.push(p),
      pools
    )
    await new Promise((resolve) => out.end(resolve))
    return { counts, pairs, sample }
  }

  process.stderr.write(`dedup bench: generating ${megabytes} MB of planted duplicates …\n`)
  const main = await generate(join(dir, "corpus"), "corpus", { ...defaultPlantOptions, megabytes, seed: 5 }, true)
  const increment = await generate(
    join(dir, "increment"),
    "increment",
    { ...defaultPlantOptions, megabytes: megabytes / 100, seed: 6, idPrefix: "inc", copyFrom: main.sample },
    false
  )

  // Signatures alone, on this thread: fold, words, shingles, 112 hashes, 14 buckets; timed over
  // batches of 20 MB read beforehand, so that reading and parsing JSON stay out of the figure.
  let sigMillis = 0
  let sigBytes = 0
  let batch: Array<string> = []
  let batchBytes = 0
  const timeBatch = () => {
    ;(globalThis as { gc?: () => void }).gc?.()
    const t = performance.now()
    for (const text of batch) bandBuckets(signature(shingles(text)))
    sigMillis += performance.now() - t
    sigBytes += batchBytes
    batch = []
    batchBytes = 0
  }
  for await (const line of createInterface({ input: createReadStream(join(dir, "corpus", "documents.jsonl"), "utf8"), crlfDelay: Infinity })) {
    const { text } = JSON.parse(line) as PlantedDocument
    batch.push(text)
    batchBytes += Buffer.byteLength(text)
    if (batchBytes >= 20e6) timeBatch()
    if (sigBytes >= 100e6) break
  }
  if (batch.length > 0 && sigBytes < 100e6) timeBatch()

  const home = join(dir, "home")
  const runtime = ManagedRuntime.make(appLayer({ home }, Progress.stderr()))
  const phase = async (batchDir: string) => {
    const t0 = performance.now()
    await runtime.runPromise(submitBatch(batchDir))
    const t1 = performance.now()
    const summary = await runtime.runPromise(processPendingWith(dedupEvaluationStages))
    const t2 = performance.now()
    return { submitMs: t1 - t0, processMs: t2 - t1, dedupMs: summary.stages.find((s) => s.stage === "dedup")!.millis, summary }
  }
  const full = await phase(join(dir, "corpus"))
  const peakIndexing = peak
  const inc = await phase(join(dir, "increment"))
  const decisions = await runtime.runPromise(dedupDecisions)
  const footprint = await runtime.runPromise(Effect.flatMap(DedupReport, (r) => r.indexFootprint).pipe(Effect.orDie))
  await runtime.dispose()
  clearInterval(sampler)

  const threshold = defaultDedupSettings.jaccard
  const all = scoreDedup(decisions, [...main.pairs, ...increment.pairs], threshold)
  const copiedFrom = new Set(increment.pairs.map((p) => p.a))
  // The increment's documents and the indexed ones it copied; families from every pair, since an
  // indexed document copied may itself be a copy merged into its original.
  const incOnly = scoreDedup(new Map([...decisions].filter(([id]) => id.startsWith("inc-") || copiedFrom.has(id))), [...main.pairs, ...increment.pairs], threshold)
  const indexBytes = footprint.bytes
  const indexed = footprint.indexed
  const mb = main.counts.bytes / 1e6
  const s = (ms: number) => (ms / 1000).toFixed(2)
  console.log(
    [
      "",
      `near-duplicate bench: ${mb.toFixed(1)} MB, ${main.counts.documents} documents (${main.counts.originals} originals, ${main.counts.copies} planted copies, ${main.counts.decoys} boilerplate decoys); increment ${(increment.counts.bytes / 1e6).toFixed(1)} MB, ${increment.counts.documents} documents`,
      "",
      table(
        ["measure", "value"],
        [
          ["signatures, one core (fold, shingles, 112 hashes, buckets)", `${(sigBytes / 1e6 / (sigMillis / 1000)).toFixed(1)} MB/s over ${(sigBytes / 1e6).toFixed(0)} MB`],
          ["index everything: dedup stage", `${s(full.dedupMs)} s (${(mb / (full.dedupMs / 1000)).toFixed(1)} MB/s)`],
          ["index everything: processing (normalize, dedup, gate, catalog writes)", `${s(full.processMs)} s`],
          ["add the 1% increment: dedup stage", `${s(inc.dedupMs)} s = ${((inc.dedupMs / full.dedupMs) * 100).toFixed(2)}% of indexing everything`],
          ["add the 1% increment: processing", `${s(inc.processMs)} s = ${((inc.processMs / full.processMs) * 100).toFixed(2)}% of indexing everything`],
          ["LSH index on disk (table + key)", `${(indexBytes / 1e6).toFixed(1)} MB for ${indexed} indexed documents = ${Math.round(indexBytes / Math.max(indexed, 1))} bytes per document`],
          [`recall, pairs at Jaccard ≥ ${threshold} (all)`, `${all.recall.toFixed(4)} (${all.targetPairs} pairs)`],
          ["precision, merged documents (all)", `${all.precision.toFixed(4)} (${all.correctMerges}/${all.merges})`],
          [`recall / precision, increment only`, `${incOnly.recall.toFixed(4)} (${incOnly.targetPairs} pairs) / ${incOnly.precision.toFixed(4)}`],
          ["peak RSS while indexing / overall", `${(peakIndexing / 1024 / 1024).toFixed(0)} MB / ${(peak / 1024 / 1024).toFixed(0)} MB`]
        ]
      ),
      "",
      table(
        ["copy kind", "pairs", "found", "mean Jaccard", `pairs ≥ ${threshold}`, "recall there"],
        Object.entries(all.byKind).map(([kind, k]) => [kind, k.pairs, k.found, k.meanJaccard.toFixed(3), k.atThreshold, k.atThreshold ? k.recall.toFixed(3) : "–"])
      ),
      ...(all.wrongMerges.length ? ["", `wrong merges: ${all.wrongMerges.map((w) => `${w.document}→${w.survivor}`).join(", ")}`] : [])
    ].join("\n")
  )
  if (!process.argv.includes("--keep")) rmSync(dir, { recursive: true, force: true })
}
