/**
 * `npx tsx bench/archive-bench.ts [--work DIR]`: what `acervo submit` costs in memory and time on
 * hostile archives and on a normal one. Each case runs `submitBatch` in its own child process on a
 * fresh home, which reports its peak RSS (`process.resourceUsage().maxRSS`) and wall time; a child
 * that only loads the same modules gives the baseline.
 */
import { Effect, Either, ManagedRuntime } from "effect"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { createWriteStream, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { fileURLToPath } from "node:url"
import { createDeflateRaw, createGzip } from "node:zlib"
import * as tar from "tar"
import yazl from "yazl"
import { appLayer } from "../pipeline/cli/layers.ts"
import { Progress } from "../pipeline/progress.ts"
import { submitBatch } from "../pipeline/batch/submit.ts"
import { table } from "../pipeline/status.ts"
import { rawZip, tarEnd, tarHeader } from "../test/archives.ts"
import { loadReferenceTexts } from "./reference-texts.ts"
import { seededRandom } from "./seeded-random.ts"

const MiB = 1024 * 1024
const BOMB_BYTES = 1024 * MiB
const NORMAL_MB = 50

const manifest = JSON.stringify({
  format: "acervo-batch/1",
  institution: "bench-archive",
  id: "lote-archivo",
  title: "Lote de prueba",
  defaults: { license: "CC-BY-4.0", consent: { basis: "license", reference: "bench", scope: ["pretraining"] }, kind: "literature" }
})

/** `bytes` zero bytes, a megabyte at a time. */
const zeros = (bytes: number) =>
  Readable.from(
    (function* () {
      const chunk = Buffer.alloc(MiB)
      for (let left = bytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left)
    })()
  )

const zipBomb = async (out: string) => {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from(manifest), "lote/batch.json")
  zip.addReadStream(zeros(BOMB_BYTES), "lote/ceros.txt", { size: BOMB_BYTES })
  zip.end()
  await pipeline(zip.outputStream, createWriteStream(out))
}

const tarGzBomb = async (out: string) => {
  const body = Buffer.from(manifest)
  const parts = async function* () {
    yield tarHeader({ name: "lote/batch.json", data: body })
    yield Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)])
    yield tarHeader({ name: "lote/ceros.txt", declaredSize: BOMB_BYTES })
    yield* zeros(BOMB_BYTES)
    yield tarEnd
  }
  await pipeline(Readable.from(parts()), createGzip({ level: 9 }), createWriteStream(out))
}

/** A zip whose headers declare 64 KiB for an entry that inflates to 1 GiB. */
const lyingZip = async (out: string) => {
  const chunks: Array<Buffer> = []
  await pipeline(zeros(BOMB_BYTES), createDeflateRaw({ level: 9 }), async function* (source) {
    for await (const c of source) chunks.push(c as Buffer)
  })
  writeFileSync(out, rawZip([{ name: "lote/batch.json", data: Buffer.from(manifest) }, { name: "lote/ceros.txt", compressed: Buffer.concat(chunks), declaredSize: 64 * 1024 }]))
}

/** A batch folder of ten files of real text (reference paragraphs in a seeded order), `mb` MB in all. */
const normalBatch = async (dir: string, mb: number) => {
  const texts = await loadReferenceTexts()
  const paragraphs = [...texts.eltec.spa, ...texts.eltec.por, ...texts.udhr.spa, ...texts.udhr.arn].map((p) => p.replace(/\s+/g, " ").trim()).filter((p) => p.length > 40)
  const next = seededRandom(7)
  mkdirSync(join(dir, "textos"), { recursive: true })
  for (let f = 0; f < 10; f++) {
    const out = createWriteStream(join(dir, "textos", `doc-${f}.txt`))
    for (let written = 0; written < (mb * MiB) / 10; ) {
      const p = `${paragraphs[Math.floor(next() * paragraphs.length)]!}\n\n`
      if (!out.write(p)) await once(out, "drain")
      written += Buffer.byteLength(p)
    }
    out.end()
    await once(out, "close")
  }
  writeFileSync(join(dir, "batch.json"), manifest)
}

const zipFolderOf = async (root: string, name: string, out: string) => {
  const zip = new yazl.ZipFile()
  zip.addFile(join(root, name, "batch.json"), `${name}/batch.json`)
  for (let f = 0; f < 10; f++) zip.addFile(join(root, name, "textos", `doc-${f}.txt`), `${name}/textos/doc-${f}.txt`)
  zip.end()
  await pipeline(zip.outputStream, createWriteStream(out))
}

interface ChildResult {
  readonly outcome: string
  readonly millis: number
  readonly maxRssKb: number
}

const self = fileURLToPath(import.meta.url)

const runChild = (args: ReadonlyArray<string>) =>
  new Promise<ChildResult>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", self, "--child", ...args], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (b: Buffer) => (out += b.toString()))
    child.on("error", reject)
    child.on("close", (code) => {
      const line = out.trim().split("\n").at(-1) ?? ""
      try {
        resolve(JSON.parse(line) as ChildResult)
      } catch {
        reject(new Error(`child exited ${code}: ${out}`))
      }
    })
  })

/** In the child: submit one archive on a fresh home and report the outcome, time and peak RSS. */
const child = async (archive: string | undefined, home: string) => {
  const runtime = ManagedRuntime.make(appLayer({ home }, Progress.silent))
  let outcome = "modules loaded"
  let millis = 0
  if (archive) {
    const started = performance.now()
    const result = await runtime.runPromise(Effect.either(submitBatch(archive)))
    millis = performance.now() - started
    outcome = Either.isRight(result)
      ? result.right.status
      : result.left._tag === "ArchiveRefused"
        ? `refused ${result.left.code}`
        : result.left._tag === "BatchRejected"
          ? `rejected ${result.left.problems.map((p) => p.code).join(",")}`
          : `${result.left._tag}`
  }
  await runtime.dispose()
  process.stdout.write(`${JSON.stringify({ outcome, millis, maxRssKb: process.resourceUsage().maxRSS } satisfies ChildResult)}\n`)
}

export const benchArchives = async (workDir: string) => {
  const dir = join(workDir, "archive-bench")
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  process.stderr.write("archive bench: building the archives …\n")
  const cases: Array<{ name: string; path: string; expanded: string }> = []
  const zipBombPath = join(dir, "bomb.zip")
  await zipBomb(zipBombPath)
  cases.push({ name: "zip bomb (refuse)", path: zipBombPath, expanded: "1 GiB" })
  const tarGzBombPath = join(dir, "bomb.tar.gz")
  await tarGzBomb(tarGzBombPath)
  cases.push({ name: ".tar.gz bomb (refuse)", path: tarGzBombPath, expanded: "1 GiB" })
  const lyingPath = join(dir, "lying-sizes.zip")
  await lyingZip(lyingPath)
  cases.push({ name: "zip declaring 64 KiB for 1 GiB (refuse)", path: lyingPath, expanded: "1 GiB" })
  await normalBatch(join(dir, "src", "lote"), NORMAL_MB)
  const normalTarGz = join(dir, "normal.tar.gz")
  await tar.c({ gzip: true, file: normalTarGz, cwd: join(dir, "src"), portable: true }, ["lote"])
  cases.push({ name: `normal ${NORMAL_MB} MB .tar.gz (accept)`, path: normalTarGz, expanded: `${NORMAL_MB} MB` })
  const normalZip = join(dir, "normal.zip")
  await zipFolderOf(join(dir, "src"), "lote", normalZip)
  cases.push({ name: `normal ${NORMAL_MB} MB .zip (accept)`, path: normalZip, expanded: `${NORMAL_MB} MB` })

  const baseline = await runChild(["", join(dir, "home-baseline")])
  const rows: Array<Array<string>> = [["baseline (modules loaded, nothing submitted)", "", "", "", "", `${(baseline.maxRssKb / 1024).toFixed(0)} MB`]]
  for (const [i, c] of cases.entries()) {
    const result = await runChild([c.path, join(dir, `home-${i}`)])
    rows.push([c.name, `${(statSync(c.path).size / MiB).toFixed(2)} MB`, c.expanded, result.outcome, `${(result.millis / 1000).toFixed(2)} s`, `${(result.maxRssKb / 1024).toFixed(0)} MB`])
  }
  console.log(
    [
      "",
      `archive intake: acervo submit in a child process per case (ACERVO_MAX_ARCHIVE_RATIO ${process.env["ACERVO_MAX_ARCHIVE_RATIO"] ?? "200"})`,
      "",
      table(["case", "archive", "expands to", "outcome", "wall time", "peak RSS"], rows)
    ].join("\n")
  )
  rmSync(dir, { recursive: true, force: true })
}

if (process.argv[1] === self) {
  const at = process.argv.indexOf("--child")
  if (at >= 0) await child(process.argv[at + 1] || undefined, process.argv[at + 2]!)
  else {
    const work = process.argv.indexOf("--work")
    await benchArchives(work >= 0 ? process.argv[work + 1]! : tmpdir())
  }
}
