import { ManagedRuntime } from "effect"
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { once } from "node:events"
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { join } from "node:path"
import * as tar from "tar"
import { appLayer } from "../pipeline/cli/layers.ts"
import { Progress } from "../pipeline/progress.ts"
import { projectRoot } from "../domain/project-root.ts"
import { loadReferenceTexts } from "./reference-texts.ts"
import { seededRandom } from "./seeded-random.ts"
import { createToken } from "../pipeline/server/tokens.ts"
import { table } from "../pipeline/status.ts"

const FILES_PER_BATCH = 10

/** A batch folder of real-text files (ELTeC, UDHR, AVENUE paragraphs in a seeded order) of about `bytes`. */
const writeBatch = async (dir: string, institution: string, id: string, bytes: number, paragraphs: ReadonlyArray<string>, seed: number) => {
  mkdirSync(join(dir, "textos"), { recursive: true })
  const next = seededRandom(seed)
  const perFile = Math.ceil(bytes / FILES_PER_BATCH)
  for (let f = 0; f < FILES_PER_BATCH; f++) {
    const out = createWriteStream(join(dir, "textos", `doc-${String(f).padStart(2, "0")}.txt`))
    let written = 0
    out.write(`${institution} ${id} documento ${f}\n\n`)
    while (written < perFile) {
      const p = `${paragraphs[Math.floor(next() * paragraphs.length)]!}\n\n`
      if (!out.write(p)) await once(out, "drain")
      written += Buffer.byteLength(p)
    }
    out.end()
    await once(out, "close")
  }
  writeFileSync(
    join(dir, "batch.json"),
    JSON.stringify({
      format: "acervo-batch/1",
      institution,
      id,
      title: `Lote de prueba ${id}`,
      defaults: { license: "CC-BY-4.0", consent: { basis: "license", reference: "bench", scope: ["pretraining"] }, kind: "literature" }
    })
  )
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

const upload = (url: string, token: string, archive: string) =>
  new Promise<{ status: number; body: any; millis: number }>((resolve, reject) => {
    const started = performance.now()
    const req = request(
      `${url}/v1/batches`,
      { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/x-tar", "content-length": String(statSync(archive).size) } },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "null"), millis: performance.now() - started }))
      }
    )
    req.on("error", reject)
    createReadStream(archive).pipe(req)
  })

const procStatus = (pid: number, field: "VmRSS" | "VmHWM") => {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`))
    return line ? Number(line.replace(/\D+/g, "")) * 1024 : 0
  } catch {
    return 0
  }
}

const getJson = (url: string, token: string) =>
  new Promise<any>((resolve, reject) =>
    request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))))
    }).on("error", reject).end()
  )

/** `acervo serve` in its own process, and the URL it listens on. */
const startServer = async (home: string, args: ReadonlyArray<string>) => {
  const server = spawn(process.execPath, [join(projectRoot, "bin", "acervo.mjs"), "serve", "--port", "0", "--home", home, ...args], {
    env: { ...process.env, ACERVO_SERVER_LOG: "false", ACERVO_SERVER_POLL_SECONDS: "1" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stderr = ""
  server.stderr.on("data", (b: Buffer) => (stderr += b.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ""
    server.stdout.on("data", (b: Buffer) => {
      out += b.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    server.on("exit", (code) => reject(new Error(`acervo serve exited (${code}): ${stderr}`)))
  })
  return { server, url, stderr: () => stderr }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The intake server under load: `uploads` partners send a `mb` MB tar each at the same moment to
 * `acervo serve` in its own process. Prints wall time, throughput, latency, the server's peak RSS
 * (VmHWM, as the kernel counts it), and checks that every batch is registered with every file's
 * bytes stored exactly as sent.
 */
export const benchServe = async (work: string, uploads: number, mb: number) => {
  const dir = join(work, "serve")
  rmSync(dir, { recursive: true, force: true })
  const home = join(dir, "home")
  const texts = await loadReferenceTexts()
  const paragraphs = [...texts.eltec.spa, ...texts.eltec.por, ...texts.udhr.spa, ...texts.udhr.arn].map((p) => p.replace(/\s+/g, " ").trim()).filter((p) => p.length > 40)
  process.stderr.write(`serve bench: packing ${uploads} batches of ${mb} MB …\n`)
  const archives: Array<{ path: string; institution: string; id: string; folder: string }> = []
  for (let i = 0; i < uploads; i++) {
    const institution = `bench-inst-${i % 4}`
    const id = `lote-${String(i).padStart(2, "0")}`
    const folder = join(dir, "src", id)
    await writeBatch(folder, institution, id, mb * 1024 * 1024 - 16 * 1024, paragraphs, 1000 + i)
    const path = join(dir, `${id}.tar`)
    await tar.c({ file: path, cwd: join(dir, "src"), portable: true }, [id])
    archives.push({ path, institution, id, folder })
  }
  const runtime = ManagedRuntime.make(appLayer({ home }, Progress.silent))
  const tokens = new Map<string, string>()
  for (let k = 0; k < 4; k++) tokens.set(`bench-inst-${k}`, (await runtime.runPromise(createToken(`bench-inst-${k}`, "partner", "bench"))).token)
  const operator = (await runtime.runPromise(createToken("bench-ops", "operator", "bench"))).token
  await runtime.dispose()

  const fromDist = existsSync(join(projectRoot, "dist", ".built"))
  // Intake alone first, as before background processing: the uploads' figures stay comparable.
  const { server, url } = await startServer(home, ["--no-process"])
  const idleRss = procStatus(server.pid!, "VmRSS")
  let sampledPeak = 0
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, procStatus(server.pid!, "VmRSS"))), 50)
  const t0 = performance.now()
  const results = await Promise.all(archives.map((a) => upload(url, tokens.get(a.institution)!, a.path)))
  const wall = performance.now() - t0
  clearInterval(sampler)
  const peak = Math.max(procStatus(server.pid!, "VmHWM"), sampledPeak)

  // Nothing lost: every batch registered, listed, and every stored file identical to what was sent.
  const problems: Array<string> = []
  results.forEach((r, i) => {
    if (r.status !== 201) problems.push(`${archives[i]!.id}: HTTP ${r.status} ${JSON.stringify(r.body)}`)
  })
  const listed = await getJson(`${url}/v1/batches`, operator)
  server.kill("SIGINT")
  await once(server, "exit")

  // Then the server processes what it received, in the background: stopped with SIGTERM in the
  // middle of a run, and started again, it resumes and writes its release.
  const releases = join(dir, "releases")
  const processing = await startServer(home, ["--release", "bench", "--release-out", releases])
  let states: Array<{ processing: { state: string; release: { state: string } | null } }> = []
  const t1 = performance.now()
  for (;;) {
    states = (await getJson(`${processing.url}/v1/batches`, operator)).batches
    if (states.some((b) => b.processing.state === "processed") && states.some((b) => b.processing.state === "processing")) break
    if (performance.now() - t1 > 600_000) throw new Error("the background run did not start")
    await sleep(50)
  }
  const processedBeforeStop = states.filter((b) => b.processing.state === "processed").length
  const stopAt = performance.now()
  processing.server.kill("SIGTERM")
  const [stopCode] = await once(processing.server, "exit")
  const stopMillis = performance.now() - stopAt
  if (stopCode !== 0) problems.push(`acervo serve exited with ${stopCode} on SIGTERM: ${processing.stderr()}`)
  if (existsSync(join(home, "run.lock"))) problems.push("run.lock left behind after SIGTERM")
  const resumed = await startServer(home, ["--release", "bench", "--release-out", releases])
  const t2 = performance.now()
  let resumedPeak = 0
  for (;;) {
    resumedPeak = Math.max(resumedPeak, procStatus(resumed.server.pid!, "VmRSS"))
    states = (await getJson(`${resumed.url}/v1/batches`, operator)).batches
    if (states.every((b) => b.processing.state === "processed" && b.processing.release?.state === "current")) break
    if (performance.now() - t2 > 1_200_000) throw new Error("the resumed server did not finish")
    await sleep(200)
  }
  const resumedMillis = performance.now() - t2
  const processedRows = (await getJson(`${resumed.url}/v1/batches`, operator)).batches as Array<{ files: number; pending_files: number; kept: number; excluded: number }>
  const documentsSeen = processedRows.reduce((n, b) => n + b.kept + b.excluded, 0)
  if (documentsSeen !== uploads * FILES_PER_BATCH) problems.push(`after the resumed run ${documentsSeen} documents, not ${uploads * FILES_PER_BATCH}`)
  resumedPeak = Math.max(resumedPeak, procStatus(resumed.server.pid!, "VmHWM"))
  const idleStopAt = performance.now()
  resumed.server.kill("SIGTERM")
  await once(resumed.server, "exit")
  const idleStopMillis = performance.now() - idleStopAt
  const manifest = JSON.parse(readFileSync(join(releases, "bench", "manifest.json"), "utf8")) as { totals: { documents: number } }
  let filesChecked = 0
  for (const [i, a] of archives.entries()) {
    const entry = (listed.batches as Array<{ institution: string; id: string; files: number }>).find((b) => b.institution === a.institution && b.id === a.id)
    if (!entry || entry.files !== FILES_PER_BATCH) problems.push(`${a.id}: listed as ${JSON.stringify(entry)}`)
    const stored = join(home, "batches", results[i]!.body?.sha256 ?? "missing")
    for (const name of readdirSync(join(a.folder, "textos"))) {
      const copy = join(stored, "textos", name)
      if (!existsSync(copy) || sha256(copy) !== sha256(join(a.folder, "textos", name))) problems.push(`${a.id}/textos/${name}: stored copy differs or is missing`)
      else filesChecked++
    }
  }
  const leftovers = ["uploads", "staging"].flatMap((d) => (existsSync(join(home, d)) ? readdirSync(join(home, d)) : []))
  if (leftovers.length > 0) problems.push(`left in uploads/staging: ${leftovers.join(", ")}`)
  const totalMb = archives.reduce((s, a) => s + statSync(a.path).size, 0) / 1024 / 1024
  const latencies = results.map((r) => r.millis).sort((a, b) => a - b)
  console.log(
    [
      "",
      `intake server: ${uploads} concurrent uploads of ${mb} MB (tar of ${FILES_PER_BATCH} text files each), acervo serve in its own process (${fromDist ? "compiled dist/" : "tsx"})`,
      "",
      table(
        ["measure", "value"],
        [
          ["uploads answered 201", `${results.filter((r) => r.status === 201).length} / ${uploads}`],
          ["batches listed by GET /v1/batches", String(listed.batches.length)],
          ["stored files identical to the sent ones (SHA-256)", `${filesChecked} / ${uploads * FILES_PER_BATCH}`],
          ["wall time, first byte to last answer", `${(wall / 1000).toFixed(2)} s`],
          ["throughput", `${(totalMb / (wall / 1000)).toFixed(1)} MB/s`],
          ["latency per upload: median / max", `${(latencies[Math.floor(latencies.length / 2)]! / 1000).toFixed(2)} s / ${(latencies.at(-1)! / 1000).toFixed(2)} s`],
          ["server RSS idle", `${(idleRss / 1024 / 1024).toFixed(0)} MB`],
          ["server peak RSS (VmHWM)", `${(peak / 1024 / 1024).toFixed(0)} MB`]
        ]
      ),
      "",
      `background processing (acervo serve --release bench): SIGTERM while batch ${processedBeforeStop + 1} of ${uploads} was being processed, then started again`,
      "",
      table(
        ["measure", "value"],
        [
          ["SIGTERM during a run to exit", `${stopMillis.toFixed(0)} ms`],
          ["SIGTERM when idle to exit", `${idleStopMillis.toFixed(0)} ms`],
          ["restart to every batch processed and the release current", `${(resumedMillis / 1000).toFixed(1)} s`],
          ["throughput of the resumed processing (whole corpus / time)", `${(totalMb / (resumedMillis / 1000)).toFixed(1)} MB/s`],
          ["documents in the catalog / sent (each once)", `${documentsSeen} / ${uploads * FILES_PER_BATCH}`],
          ["documents in the release", String(manifest.totals.documents)],
          ["server peak RSS while processing (VmHWM)", `${(resumedPeak / 1024 / 1024).toFixed(0)} MB`]
        ]
      ),
      problems.length === 0 ? "nothing lost" : `PROBLEMS:\n${problems.map((p) => `  ${p}`).join("\n")}`
    ].join("\n")
  )
  if (problems.length > 0 || peak >= 500 * 1024 * 1024) process.exitCode = 1
  rmSync(dir, { recursive: true, force: true })
}
