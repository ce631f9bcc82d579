/**
 * `npm run bench [-- --mb N] [--dedup-mb N] [--uploads N --upload-mb N] [--langid-only | --dedup-only | --serve-only | --patterns-only | --pdf-only [--pdf-dir DIR] | --report-only [--records N] | --intake-only [--cli PATH] [--over-mb N] | --archives-only]`: generates a corpus of N MB (default 200) from the real sample texts,
 * submits it, runs every stage and the release, and prints MB/s per stage and end to end, CPU time
 * and peak RSS. Figures from a shared 2-core machine are noisy: compare ratios within one run.
 */
import { Effect, ManagedRuntime } from "effect"
import { Batches } from "../catalog/batches.ts"
import { Releases } from "../catalog/releases.ts"
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { once } from "node:events"
import { spawnSync } from "node:child_process"
import { availableParallelism, loadavg } from "node:os"
import { sha256Hex } from "../domain/hashing.ts"
import { join } from "node:path"
import { identify } from "../stages/langid/identify.ts"
import { createGzip, constants } from "node:zlib"
import { submitBatch } from "../pipeline/batch/submit.ts"
import { appLayer } from "../pipeline/cli/layers.ts"
import { Progress } from "../pipeline/progress.ts"
import { seededRandom } from "./seeded-random.ts"
import { projectRoot } from "../domain/project-root.ts"
import { loadReferenceTexts } from "./reference-texts.ts"
import { writeRelease } from "../pipeline/release.ts"
import { writeReleaseReport } from "../pipeline/release-report.ts"
import { processPending } from "../pipeline/run.ts"
import { table } from "../pipeline/status.ts"
import { benchDedup } from "./dedup-bench.ts"
import { benchServe } from "./serve-bench.ts"
import { benchPatterns } from "./pattern-bench.ts"
import { benchPdf } from "./pdf-bench.ts"
import { benchReport } from "./report-bench.ts"
import { benchIntake } from "./intake-bench.ts"
import { benchArchives } from "./archive-bench.ts"

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}
const targetMb = Number(arg("mb", "200"))
const dedupMb = Number(arg("dedup-mb", "500"))
const work = arg("dir", join(projectRoot, "bench-work"))

/** Paragraphs and turns of real text per language, from the bundled reference texts. */
const pools = async (): Promise<Record<string, ReadonlyArray<string>>> => {
  const texts = await loadReferenceTexts()
  const paragraphs = (list: ReadonlyArray<string>) => list.map((p) => p.replace(/\s+/g, " ").trim()).filter((p) => p.length > 40)
  const turns = (lang: "arn" | "spa") => texts.avenue.flatMap((t) => t[lang]).filter((l) => l.length > 10)
  return {
    spa: [...paragraphs(texts.udhr.spa), ...paragraphs(texts.eltec.spa), ...turns("spa")],
    por: [...paragraphs(texts.udhr.porBR), ...paragraphs(texts.udhr.porPT), ...paragraphs(texts.eltec.por)],
    arn: [...paragraphs(texts.udhr.arn), ...turns("arn")],
    rap: texts.rap
  }
}

/** Personal data sprinkled into some paragraphs, so the pii stage does real work. */
const PERSONAL = ["Escriba a archivo.oral@ufro.cl para más información.", "Contacto: +56 9 8765 4321.", "RUT 12.345.678-5.", "CPF 529.982.247-25.", "Ligue (11) 91234-5678."]

const generate = async (dir: string, megabytes: number) => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, "files"), { recursive: true })
  const next = seededRandom(20261128)
  const pool = await pools()
  const langs = [["spa", 0.35], ["por", 0.3], ["arn", 0.2], ["rap", 0.15]] as const
  const pick = () => {
    let r = next()
    for (const [l, w] of langs) if ((r -= w) < 0) return l
    return "spa"
  }
  const target = megabytes * 1e6
  let written = 0
  let docs = 0
  let part = 0
  const recent: Array<string> = []
  while (written < target) {
    const name = `files/part-${String(part++).padStart(4, "0")}.jsonl.gz`
    const gzip = createGzip({ level: 1, strategy: constants.Z_DEFAULT_STRATEGY })
    const out = createWriteStream(join(dir, name))
    gzip.pipe(out)
    let inPart = 0
    while (inPart < 16e6 && written < target) {
      const lang = pick()
      const paragraphs = pool[lang]!
      const size = Math.round(2000 * Math.pow(32, next()))
      let body = ""
      if (recent.length > 0 && next() < 0.02) body = recent[Math.floor(next() * recent.length)]!
      else {
        const parts: Array<string> = []
        let length = 0
        // Consecutive paragraphs from a random start: real documents do not repeat a paragraph.
        let at = Math.floor(next() * paragraphs.length)
        for (let taken = 0; length < size && taken < paragraphs.length; taken++) {
          const p = paragraphs[at]!
          at = (at + 1) % paragraphs.length
          parts.push(next() < 0.05 ? `${p} ${PERSONAL[Math.floor(next() * PERSONAL.length)]}` : p)
          length += p.length + 2
        }
        body = parts.join(lang === "rap" || lang === "arn" ? "\n" : "\n\n")
        if (recent.length < 200) recent.push(body)
        else recent[Math.floor(next() * 200)] = body
      }
      const line = JSON.stringify({ id: `doc-${docs++}`, language: lang, text: body }) + "\n"
      if (!gzip.write(line)) await once(gzip, "drain")
      const bytes = Buffer.byteLength(line)
      written += bytes
      inPart += bytes
    }
    gzip.end()
    await once(out, "close")
  }
  writeFileSync(join(dir, "batch.json"), JSON.stringify({
    format: "acervo-batch/1",
    institution: "bench",
    id: `bench-${megabytes}mb`,
    title: "Generated benchmark corpus from the sample texts",
    defaults: { license: "CC-BY-4.0", consent: { basis: "license", reference: "bench", scope: ["pretraining"] }, kind: "other" }
  }))
  return { bytes: written, documents: docs, files: part }
}

let peakRss = 0
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 100)

/**
 * Language identification on paragraphs: `acervo langid --jsonl` in one thread and on a worker pool
 * (child processes of the built CLI, wall time), the scorer alone in this process, and franc-all
 * restricted to the same candidates (Rapa Nui, which franc lacks, left out) on the same text.
 */
const benchLangid = async () => {
  const pool = await pools()
  const next = seededRandom(7)
  const paragraphs: Array<string> = []
  for (const list of Object.values(pool)) {
    // Transcript turns and grammar examples are short: four in a row make a paragraph.
    for (let i = 0; i < list.length; i += 4) {
      const p = list[i]!.length >= 200 ? list[i]! : list.slice(i, i + 4).join(" ")
      paragraphs.push(p)
    }
  }
  const dir = join(work, "langid")
  mkdirSync(dir, { recursive: true })
  const file = join(dir, "paragraphs.jsonl")
  const lines: Array<string> = []
  let bytes = 0
  while (bytes < 20e6) {
    const p = paragraphs[Math.floor(next() * paragraphs.length)]!
    lines.push(JSON.stringify({ text: p }))
    bytes += Buffer.byteLength(p)
  }
  writeFileSync(file, lines.join("\n") + "\n")
  const mb = bytes / 1e6
  const candidates = "spa,por,arn,rap,glg,cat,ast,eng,quz,quy,ayr,gug,tah,mri,haw,smo,rar".split(",")
  const cli = (workers: number) => {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, [join(projectRoot, "bin", "acervo.mjs"), "langid", "--jsonl", file, "--workers", String(workers)], { maxBuffer: 1 << 30, env: { ...process.env, ACERVO_LANGID_CANDIDATES: candidates.join(",") } })
    if (r.status !== 0) throw new Error(`acervo langid failed: ${r.stderr}`)
    return (performance.now() - t0) / 1000
  }
  const oneThread = cli(0)
  const pooled = cli(availableParallelism())
  const texts = lines.map((l) => (JSON.parse(l) as { text: string }).text)
  const options = { candidates, segments: 64, dominantShare: 0.6 }
  identify(texts[0]!, options)
  let t0 = performance.now()
  for (const t of texts) identify(t, options)
  const scorerSeconds = (performance.now() - t0) / 1000
  const { francAll } = await import("franc-all")
  const only = candidates.filter((c) => c !== "rap")
  const francTexts = texts.slice(0, Math.ceil(texts.length / 10))
  const francMb = francTexts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6
  t0 = performance.now()
  for (const t of francTexts) francAll(t, { only })
  const francSeconds = (performance.now() - t0) / 1000
  t0 = performance.now()
  for (const t of francTexts.slice(0, 200)) francAll(t)
  const francAllLanguagesSeconds = (performance.now() - t0) / 1000
  const francAllMb = francTexts.slice(0, 200).reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6
  console.log(
    [
      "",
      `language identification: ${mb.toFixed(1)} MB of paragraphs (${texts.length}, mean ${Math.round((mb * 1e6) / texts.length)} bytes), ${candidates.length} candidates`,
      "",
      table(
        ["identifier", "seconds", "MB/s"],
        [
          ["acervo langid --jsonl, one thread (whole command)", oneThread.toFixed(2), (mb / oneThread).toFixed(2)],
          [`acervo langid --jsonl, ${availableParallelism()} worker threads (whole command)`, pooled.toFixed(2), (mb / pooled).toFixed(2)],
          ["acervo scorer alone, this thread", scorerSeconds.toFixed(2), (mb / scorerSeconds).toFixed(2)],
          [`franc-all restricted to the same candidates but rap (${(francMb).toFixed(1)} MB)`, francSeconds.toFixed(2), (francMb / francSeconds).toFixed(2)],
          [`franc-all over all its languages (${francAllMb.toFixed(2)} MB)`, francAllLanguagesSeconds.toFixed(2), (francAllMb / francAllLanguagesSeconds).toFixed(3)]
        ]
      )
    ].join("\n")
  )
}

/**
 * Submit, process and release `corpus` in a fresh home with `workers` worker threads; the table of
 * phases and stages (stage seconds are summed over the threads that did the work), CPU time and
 * peak RSS of the whole process, worker threads included.
 */
const benchPipeline = async (corpus: string, mb: number, workers: number) => {
  const home = join(work, `home-${workers}`)
  const out = join(work, `releases-${workers}`)
  rmSync(home, { recursive: true, force: true })
  rmSync(out, { recursive: true, force: true })
  const load = loadavg().map((l) => l.toFixed(2)).join(" ")
  global.gc?.()
  peakRss = process.memoryUsage().rss
  const runtime = ManagedRuntime.make(appLayer({ home, workers }, Progress.stderr()))
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await runtime.runPromise(submitBatch(corpus))
  const t1 = performance.now()
  const summary = await runtime.runPromise(processPending)
  const t2 = performance.now()
  const processingPeak = peakRss
  peakRss = process.memoryUsage().rss
  const release = await runtime.runPromise(writeRelease({ name: "bench", outDir: out, profiles: ["open", "noncommercial"] }))
  const t3 = performance.now()
  const cpu = process.cpuUsage(cpu0)
  // The release's report.html once more, alone: its catalog queries (and the two the release shares with it) and the HTML.
  const reportDir = join(work, `report-${workers}`)
  mkdirSync(reportDir, { recursive: true })
  const r0 = performance.now()
  await runtime.runPromise(Effect.flatMap(Effect.all({ tombstones: Effect.flatMap(Releases, (r) => r.tombstones), batches: Effect.flatMap(Batches, (b) => b.batches) }), (reads) => writeReleaseReport(reportDir, release.manifest, reads)))
  const reportSeconds = (performance.now() - r0) / 1000
  await runtime.dispose()
  const releasePeak = Math.max(peakRss, process.memoryUsage().rss)
  peakRss = Math.max(processingPeak, releasePeak)
  const rate = (ms: number) => (ms > 0 ? (mb / (ms / 1000)).toFixed(1) : "–")
  const rows: Array<Array<string | number>> = [["submit (hash, gzip check, store)", ((t1 - t0) / 1000).toFixed(2), rate(t1 - t0)]]
  for (const s of summary.stages) {
    if (s.stage === "ingest") continue
    const where = s.pureMillis === 0 ? "main thread" : s.pureMillis === s.millis ? "workers" : "workers + main thread"
    rows.push([`  ${s.stage} (${where})`, (s.millis / 1000).toFixed(2), rate(s.millis)])
    if (s.pureMillis > 0 && s.pureMillis < s.millis) {
      rows.push([`    of which pure part (workers)`, (s.pureMillis / 1000).toFixed(2), rate(s.pureMillis)])
      rows.push([`    of which stateful part (main thread)`, ((s.millis - s.pureMillis) / 1000).toFixed(2), rate(s.millis - s.pureMillis)])
    }
  }
  rows.push(["processing (all stages + catalog writes)", ((t2 - t1) / 1000).toFixed(2), rate(t2 - t1)])
  rows.push(["release (shards, manifest, report.html)", ((t3 - t2) / 1000).toFixed(2), rate(t3 - t2)])
  rows.push([`  report.html alone, written again (${release.manifest.totals.documents} records)`, reportSeconds.toFixed(2), rate(reportSeconds * 1000)])
  rows.push(["end to end", ((t3 - t0) / 1000).toFixed(2), rate(t3 - t0)])
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const tokens = summary.stages.find((s) => s.stage === "tokens")
  const report = [
    "",
    `pipeline with ${workers} worker thread(s):`,
    table(["phase / stage (stage seconds: CPU summed over threads)", "seconds", "MB/s"], rows),
    `CPU time: ${cpuSeconds.toFixed(1)} s (user ${(cpu.user / 1e6).toFixed(1)}, system ${(cpu.system / 1e6).toFixed(1)}) → ${(mb / cpuSeconds).toFixed(1)} MB per CPU-second`,
    ...(tokens ? [`token counting: ${(tokens.characters / 1e6 / (tokens.millis / 1000)).toFixed(1)} M characters per CPU-second (one core)`] : []),
    `peak RSS (whole process, workers included): ${(peakRss / 1024 / 1024).toFixed(0)} MB (submit and processing ${(processingPeak / 1024 / 1024).toFixed(0)} MB, release ${(releasePeak / 1024 / 1024).toFixed(0)} MB)`,
    `node ${process.version}, ${process.platform}/${process.arch}`
  ].join("\n")
  const shardsSha256 = sha256Hex(release.manifest.shards.map((s) => `${s.path} ${s.sha256}`).join("\n"))
  return { report, summary, load, seconds: (t3 - t0) / 1000, processSeconds: (t2 - t1) / 1000, shardsSha256 }
}

const uploads = Number(arg("uploads", "20"))
const uploadMb = Number(arg("upload-mb", "20"))

const main = async () => {
  if (process.argv.includes("--serve-only")) {
    clearInterval(sampler)
    await benchServe(work, uploads, uploadMb)
    return
  }
  if (process.argv.includes("--pdf-only")) {
    clearInterval(sampler)
    await benchPdf(join(projectRoot, "test", "fixtures", "pdf", "fundar", "pdf"))
    return
  }
  if (process.argv.includes("--patterns-only")) {
    clearInterval(sampler)
    await benchPatterns(work)
    return
  }
  if (process.argv.includes("--report-only")) {
    clearInterval(sampler)
    await benchReport(work, Number(arg("records", "1000000")))
    return
  }
  if (process.argv.includes("--archives-only")) {
    clearInterval(sampler)
    await benchArchives(work)
    return
  }
  if (process.argv.includes("--intake-only")) {
    clearInterval(sampler)
    const other = process.argv.indexOf("--cli")
    const over = process.argv.indexOf("--over-mb")
    await benchIntake(work, other >= 0 ? process.argv[other + 1] : undefined, over >= 0 ? Number(process.argv[over + 1]) : undefined)
    return
  }
  if (process.argv.includes("--dedup-only")) {
    clearInterval(sampler)
    await benchDedup(work, dedupMb)
    return
  }
  if (process.argv.includes("--langid-only")) {
    await benchLangid()
    clearInterval(sampler)
    if (!process.argv.includes("--keep")) rmSync(work, { recursive: true, force: true })
    return
  }
  const corpus = join(work, "corpus")
  process.stderr.write(`generating ${targetMb} MB of documents from the sample texts in ${corpus} …\n`)
  const generated = await generate(corpus, targetMb)
  const mb = generated.bytes / 1e6
  const cores = availableParallelism()
  const one = await benchPipeline(corpus, mb, 1)
  const all = await benchPipeline(corpus, mb, cores)
  clearInterval(sampler)
  console.log(
    [
      "",
      `corpus: ${mb.toFixed(1)} MB of JSONL text, ${generated.documents} documents in ${generated.files} .jsonl.gz files; ${all.summary.kept} kept, ${Object.values(all.summary.excluded).reduce((a, b) => a + b, 0)} excluded (${Object.entries(all.summary.excluded).map(([k, v]) => `${k} ${v}`).join(", ") || "none"})`,
      `load average before each run: ${one.load} (1 worker), ${all.load} (${cores} workers)`,
      one.report,
      all.report,
      "",
      `${cores} workers against 1: end to end ×${(one.seconds / all.seconds).toFixed(2)}, processing ×${(one.processSeconds / all.processSeconds).toFixed(2)}; shards ${one.shardsSha256 === all.shardsSha256 ? "byte-identical" : "DIFFERENT"} (sha256 of all shard hashes ${all.shardsSha256.slice(0, 16)}…)`
    ].join("\n")
  )
  if (process.argv.includes("--pipeline-only")) {
    if (!process.argv.includes("--keep")) rmSync(work, { recursive: true, force: true })
    return
  }
  await benchLangid()
  await benchDedup(work, dedupMb)
  await benchServe(work, uploads, uploadMb)
  await benchPatterns(work)
  if (!process.argv.includes("--keep")) rmSync(work, { recursive: true, force: true })
}

main().catch((e) => {
  console.error(`bench failed: ${(e as Error).message ?? String(e)}`)
  process.exitCode = 1
})
