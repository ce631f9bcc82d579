/**
 * `npm run bench -- --intake-only [--cli PATH/bin/acervo.mjs] [--over-mb N]`: what hostile batch.json files cost
 * at the door and afterwards. Each command runs in its own child process (the real CLI), timed,
 * with its peak RSS: a submit of a batch.json just under ACERVO_MAX_BATCH_JSON_BYTES (documents
 * with as much metadata as ACERVO_MAX_DOCUMENT_FIELDS_BYTES allows), a submit refused for one
 * over it, a submit with a licence expression at ACERVO_MAX_LICENSE_CHARS and one of 1 MB, and an
 * `acervo run` on that catalog afterwards. `--cli` measures another checkout's CLI (e.g. before
 * a change) on the same inputs; `--over-mb` sets the size of the batch.json over the limit
 * (default: the limit and 1 MiB).
 */
import { spawn } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect } from "effect"
import { projectRoot } from "../domain/project-root.ts"
import { settingsConfig } from "../pipeline/config.ts"
import { table } from "../pipeline/status.ts"

interface Measured {
  readonly code: number | null
  readonly seconds: number
  readonly maxRssMb: number
  readonly said: string
}

const measure = (cli: string, args: ReadonlyArray<string>, cwd: string) =>
  new Promise<Measured>((done, fail) => {
    const started = performance.now()
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("ACERVO_")) env[k] = v
    const child = spawn(process.execPath, ["--import", pathToFileURL(join(projectRoot, "bench", "report-max-rss.mjs")).href, cli, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    const out: Array<Buffer> = []
    child.stdout.on("data", (b: Buffer) => out.push(b))
    child.stderr.on("data", (b: Buffer) => out.push(b))
    child.on("error", fail)
    child.on("close", (code) => {
      const text = Buffer.concat(out).toString("utf8")
      const kib = Number(/max-rss-kib (\d+)/.exec(text)?.[1] ?? Number.NaN)
      const said = text.split("\n").map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith("max-rss-kib") && !/^\d{4}-\d\d-\d\dT/.test(l))
      const line = said.find((l) => l.startsWith("error:") || l.startsWith("release ") || l.includes("registered")) ?? said[0] ?? ""
      done({ code, seconds: (performance.now() - started) / 1000, maxRssMb: kib / 1024, said: line.length > 110 ? `${line.slice(0, 107)}…` : line })
    })
  })

const consent = { basis: "license", reference: "bench", scope: ["pretraining"] }

/** A batch folder of `files` short texts whose batch.json lists each with `metadataChars` of metadata. */
const batchWithMetadata = (dir: string, id: string, files: number, metadataChars: number) => {
  mkdirSync(join(dir, "textos"), { recursive: true })
  const documents = []
  for (let i = 0; i < files; i++) {
    const path = `textos/doc-${String(i).padStart(5, "0")}.txt`
    writeFileSync(join(dir, path), `Documento ${i} del lote ${id}: un texto breve de prueba, con palabras suficientes para que se lea.\n`)
    const metadata: Record<string, string> = {}
    // In strings of at most 8,000 characters, under ACERVO_MAX_FIELD_CHARS.
    for (let k = 0, left = metadataChars; left > 0; k++, left -= 8000) metadata[`nota${k}`] = "x".repeat(Math.min(8000, left))
    documents.push({ path, id: `d${i}`, title: `Documento ${i}`, metadata })
  }
  const manifest = JSON.stringify({ format: "acervo-batch/1", institution: "bench-intake", id, defaults: { language: "spa", license: "CC-BY-4.0", consent }, documents })
  writeFileSync(join(dir, "batch.json"), manifest)
  return Buffer.byteLength(manifest)
}

/** `CC-BY-4.0 AND CC-BY-4.0 …` of exactly `chars` characters (spaces widen the first AND). */
const licenceOf = (chars: number) => {
  const chain = Array.from({ length: Math.max(1, Math.floor((chars - 9) / 14) + 1) }, () => "CC-BY-4.0").join(" AND ")
  return chain.includes(" AND") ? chain.replace(" AND", `${" ".repeat(chars - chain.length)} AND`) : chain
}

const batchWithLicence = (dir: string, id: string, license: string) => {
  mkdirSync(dir, { recursive: true })
  for (let i = 0; i < 3; i++) writeFileSync(join(dir, `doc-${i}.txt`), `Documento ${i}: un texto breve de prueba con un licencia larga, con palabras suficientes.\n`)
  writeFileSync(join(dir, "batch.json"), JSON.stringify({ format: "acervo-batch/1", institution: "bench-intake", id, defaults: { language: "spa", license, consent } }))
}

export const benchIntake = async (work: string, cliPath?: string, overMegabytes?: number) => {
  const settings = Effect.runSync(settingsConfig)
  const cli = resolve(cliPath ?? join(projectRoot, "bin", "acervo.mjs"))
  const dir = join(work, "intake")
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const home = join(dir, "home")
  const limit = settings.maxBatchJsonBytes
  // Per document: its metadata plus the rest of its fields, under the per-document limit.
  const metadataChars = settings.maxDocumentFieldsBytes - 1024
  const perDocument = metadataChars + 120
  const files = Math.floor((limit - 64 * 1024) / perDocument)
  const underBytes = batchWithMetadata(join(dir, "under"), "under", files, metadataChars)
  const overDir = join(dir, "over")
  const overFiles = Math.ceil((overMegabytes !== undefined ? overMegabytes * 1024 * 1024 : limit + 1024 * 1024) / perDocument)
  const overBytes = batchWithMetadata(overDir, "over", overFiles, metadataChars)
  batchWithLicence(join(dir, "licence"), "licence", licenceOf(settings.maxLicenseChars))
  batchWithLicence(join(dir, "licence-1mb"), "licence-1mb", licenceOf(1024 * 1024))
  process.stderr.write(`intake bench: batch.json of ${(underBytes / 1048576).toFixed(1)} MiB (${files} documents) and ${(overBytes / 1048576).toFixed(1)} MiB against a ${(limit / 1048576).toFixed(1)} MiB limit, with ${cli}\n`)

  // The same size of batch.json as defaults that every one of 20 files repeats.
  const repeated = join(dir, "repeated")
  mkdirSync(repeated, { recursive: true })
  for (let i = 0; i < 20; i++) writeFileSync(join(repeated, `doc-${i}.txt`), `Documento ${i}: un texto breve de prueba, con palabras suficientes para que se lea.\n`)
  const defaultsMetadata: Record<string, string> = {}
  for (let k = 0; k < Math.floor((limit - 64 * 1024) / 8010); k++) defaultsMetadata[`nota${k}`] = "x".repeat(8000)
  writeFileSync(join(repeated, "batch.json"), JSON.stringify({ format: "acervo-batch/1", institution: "bench-intake", id: "repeated", defaults: { language: "spa", license: "CC-BY-4.0", consent, metadata: defaultsMetadata } }))

  const control = join(dir, "control")
  batchWithMetadata(control, "control", files, 0)
  const controlHome = join(dir, "control-home")

  const cases: Array<[string, ReadonlyArray<string>]> = [
    [`control: submit of the same ${files} documents without metadata`, ["submit", control, "--home", controlHome]],
    ["control: run on that catalog", ["run", "--home", controlHome, "--out", join(dir, "releases"), "--release", "control"]],
    [`submit: batch.json ${(underBytes / 1048576).toFixed(1)} MiB, just under the limit (${files} documents)`, ["submit", join(dir, "under"), "--home", home]],
    [`submit: batch.json ${(overBytes / 1048576).toFixed(1)} MiB, over the limit`, ["submit", overDir, "--home", home]],
    [`submit: batch.json ${(underBytes / 1048576).toFixed(1)} MiB of defaults metadata, which 20 files repeat`, ["submit", repeated, "--home", home]],
    [`submit: licence expression of ${settings.maxLicenseChars} characters (the limit)`, ["submit", join(dir, "licence"), "--home", home]],
    ["submit: licence expression of 1 MiB", ["submit", join(dir, "licence-1mb"), "--home", home]],
    ["run on that catalog afterwards", ["run", "--home", home, "--out", join(dir, "releases"), "--release", "intake"]],
    ["run again, nothing new (what the stored batch.json costs every later run)", ["run", "--home", home, "--out", join(dir, "releases"), "--release", "intake-2"]]
  ]
  const rows: Array<Array<string | number>> = []
  for (const [name, args] of cases) {
    const m = await measure(cli, args, dir)
    rows.push([name, m.code ?? "killed", m.seconds.toFixed(2), m.maxRssMb.toFixed(0), m.said])
  }
  console.log(["", `intake: hostile batch.json (node ${process.version}, ${process.platform}/${process.arch})`, table(["command", "exit", "seconds", "peak RSS MB", "says"], rows)].join("\n"))
  rmSync(dir, { recursive: true, force: true })
}
