import Database from "better-sqlite3"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { Batches } from "../../catalog/batches.ts"
import { startIntakeServer } from "../../pipeline/server/serve.ts"
import { tarGz, zipFolder } from "../archives.ts"
import { cliAsync, sampleBatches, tempDir, withApp } from "../helpers.ts"
import { send, tokenFor, type Answer } from "./http.ts"

/** Asks again every 100 ms until `done` holds (no test here depends on how long that takes). */
const until = async (ask: () => Promise<Answer>, done: (a: Answer) => boolean, what: string, limitMs = 60_000) => {
  const started = Date.now()
  for (;;) {
    const answer = await ask()
    if (done(answer)) return answer
    if (Date.now() - started > limitMs) throw new Error(`${what} did not happen; last answer ${answer.status} ${JSON.stringify(answer.json).slice(0, 2000)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

const shardRecordIds = (releaseDir: string) => {
  const manifest = JSON.parse(readFileSync(join(releaseDir, "manifest.json"), "utf8")) as { shards: Array<{ path: string; format: string }> }
  return manifest.shards.filter((s) => s.format === "jsonl").flatMap((s) =>
    gunzipSync(readFileSync(join(releaseDir, s.path)))
      .toString("utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { id: string }).id)
  )
}

const tombstoneIds = (releaseDir: string) =>
  readFileSync(join(releaseDir, "tombstones.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id)

describe("intake server processing in the background", () => {
  const home = tempDir("acervo-intake-")
  const work = tempDir("acervo-intake-work-")
  const releases = join(work, "releases")
  let server: { url: string; close: () => Promise<void> }
  const tokens: Record<string, string> = {}

  beforeAll(async () => {
    server = await startIntakeServer({
      settings: { home, workers: 0 },
      server: { release: Option.some("srv"), releaseOut: releases, pollSeconds: 1, retrySeconds: 1 }
    })
    for (const institution of ["biblioteca-demo", "universidad-demo", "rapanui-demo", "comunidad-demo", "avenue-demo"]) {
      tokens[institution] = await tokenFor(home, institution, "partner")
    }
    tokens["operator"] = await tokenFor(home, "acervo-ops", "operator")
  }, 60_000)

  afterAll(async () => {
    await server?.close()
  })

  const detail = (id: string, institution: string) => () => send(server.url, "GET", `/v1/batches/${id}`, { token: tokens[institution]! })

  it("processes uploaded batches without any `acervo run`: the status reaches processed with its counts, and the server's release holds them", async () => {
    const a = await send(server.url, "POST", "/v1/batches", { token: tokens["biblioteca-demo"]!, body: readFileSync(await tarGz(join(sampleBatches, "biblioteca-udhr"), join(work, "a.tar.gz"))) })
    expect(a.status, JSON.stringify(a.json)).toBe(201)
    const b = await send(server.url, "POST", "/v1/batches", { token: tokens["universidad-demo"]!, body: readFileSync(await zipFolder(join(sampleBatches, "universidad-udhr"), join(work, "b.zip"))) })
    expect(b.status, JSON.stringify(b.json)).toBe(201)

    const doneA = await until(detail("udhr-2026-001", "biblioteca-demo"), (r) => r.json.processing?.state === "processed", "batch A processed")
    expect(doneA.json.processing).toMatchObject({ by: "server", files_done: 18, files_total: 18, kept: 18, excluded: 0, error: null })
    expect(doneA.json.batch).toMatchObject({ pending_files: 0, kept: 18 })
    const doneB = await until(
      detail("fondo-ddhh-01", "universidad-demo"),
      (r) => r.json.processing?.state === "processed" && r.json.processing.release?.state === "current",
      "batch B processed and released"
    )
    // B's preamble is the same text as A's: excluded, by reason.
    expect(doneB.json.processing).toMatchObject({ files_done: 2, files_total: 2, kept: 1, excluded: 1, release: { name: "srv", state: "current" } })
    expect(doneB.json.excluded).toEqual({ "exact-duplicate": 1 })
    const list = await send(server.url, "GET", "/v1/batches", { token: tokens["operator"]! })
    expect(list.json.intake).toEqual({ processes: true, release: "srv" })
    expect(list.json.batches.map((x: { id: string; processing: { state: string } }) => [x.id, x.processing.state])).toEqual([
      ["udhr-2026-001", "processed"],
      ["fondo-ddhh-01", "processed"]
    ])

    const released = join(releases, "srv")
    const manifest = JSON.parse(readFileSync(join(released, "manifest.json"), "utf8"))
    expect(manifest.batches.map((x: { id: string }) => x.id)).toEqual(["udhr-2026-001", "fondo-ddhh-01"])
    expect(manifest.totals.documents).toBe(19)
    expect(shardRecordIds(released).length).toBe(19)
    const catalogReleases = await send(server.url, "GET", "/v1/releases", { token: tokens["operator"]! })
    expect(catalogReleases.json.releases.map((r: { name: string }) => r.name)).toEqual(["srv"])
  }, 90_000)

  it("a withdrawal through the API reaches the server's release: its documents leave the shards and are in the tombstones", async () => {
    const before = await detail("udhr-2026-001", "biblioteca-demo")()
    const ids = (before.json.documents as Array<{ record_id: string }>).map((d) => d.record_id)
    expect(ids.length).toBe(18)
    const withdrawn = await send(server.url, "POST", "/v1/batches/udhr-2026-001/withdraw", {
      token: tokens["biblioteca-demo"]!,
      body: JSON.stringify({ reason: "the community asked for it back" })
    })
    expect(withdrawn.status, JSON.stringify(withdrawn.json)).toBe(200)
    expect(withdrawn.json.withdrawn).toBe(18)
    // B's copy of the preamble stands in for A's.
    expect(withdrawn.json.reelected.length).toBe(1)
    const after = await until(
      detail("udhr-2026-001", "biblioteca-demo"),
      (r) => r.json.processing?.state === "withdrawn" && r.json.processing.release?.state === "current",
      "the withdrawal released"
    )
    expect(after.json.processing).toMatchObject({ kept: 0, excluded: 18 })
    const released = join(releases, "srv")
    const inShards = new Set(shardRecordIds(released))
    expect(ids.filter((id) => inShards.has(id))).toEqual([])
    expect(new Set(tombstoneIds(released))).toEqual(new Set(ids))
    // The survivor of B is in the release now: its two documents.
    expect(inShards.size).toBe(2)
    expect(JSON.parse(readFileSync(join(released, "manifest.json"), "utf8")).withdrawn).toBe(18)
  }, 60_000)

  it("reports a batch whose run fails on its status, goes on with the others, and tries it again", async () => {
    // The catalog refuses this batch's documents, as a full disk would.
    const db = new Database(join(home, "catalog.db"))
    db.exec(
      "CREATE TRIGGER refuse_kieviet BEFORE INSERT ON documents WHEN NEW.batch_seq IN (SELECT seq FROM batches WHERE batch_id = 'kieviet-2017') BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END"
    )
    try {
      const r = await send(server.url, "POST", "/v1/batches", { token: tokens["rapanui-demo"]!, body: readFileSync(await tarGz(join(sampleBatches, "rapanui-kieviet"), join(work, "r.tar.gz"))) })
      expect(r.status, JSON.stringify(r.json)).toBe(201)
      const c = await send(server.url, "POST", "/v1/batches", { token: tokens["comunidad-demo"]!, body: readFileSync(await tarGz(join(sampleBatches, "comunidad-restringido"), join(work, "c.tar.gz"))) })
      expect(c.status, JSON.stringify(c.json)).toBe(201)
      const failed = await until(detail("kieviet-2017", "rapanui-demo"), (a) => a.json.processing?.state === "failed", "the failing batch reported")
      expect(failed.json.processing.error).toMatchObject({ reason: "processing-failed" })
      expect(failed.json.processing.error.message).toMatch(/processing stopped on an error after 0 of 1 file\(s\).*tries again at/)
      expect(failed.json.processing.error.message).not.toMatch(/disk full|\n\s+at /)
      expect(failed.json.batch.pending_files).toBe(1)
      const other = await until(detail(c.json.id, "comunidad-demo"), (a) => a.json.processing?.state === "processed", "the next batch processed")
      expect(other.json.processing.error).toBeNull()
      expect((await send(server.url, "GET", "/healthz")).status).toBe(200)
    } finally {
      db.exec("DROP TRIGGER refuse_kieviet")
      db.close()
    }
    const retried = await until(detail("kieviet-2017", "rapanui-demo"), (a) => a.json.processing?.state === "processed", "the failed batch retried")
    expect(retried.json.processing).toMatchObject({ error: null, files_done: 1, files_total: 1 })
    expect(retried.json.processing.kept).toBeGreaterThan(0)
  }, 90_000)

  it("waits while another process holds the run lock, and processes once it is free", async () => {
    // An operator's `acervo run` in another live process, taking the lock as it would: created
    // exclusively, once the server's own run (the release after the last test) has let it go.
    for (;;) {
      try {
        writeFileSync(join(home, "run.lock"), String(process.ppid), { flag: "wx" })
        break
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
        await pause(50)
      }
    }
    try {
      const e = await send(server.url, "POST", "/v1/batches", { token: tokens["avenue-demo"]!, body: readFileSync(await tarGz(join(sampleBatches, "avenue-transcripts"), join(work, "e.tar.gz"))) })
      expect(e.status, JSON.stringify(e.json)).toBe(201)
      await pause(1500)
      const waiting = await detail(e.json.id, "avenue-demo")()
      expect(waiting.json.processing).toMatchObject({ state: "waiting", files_done: 0 })
      expect(readFileSync(join(home, "run.lock"), "utf8")).toBe(String(process.ppid))
    } finally {
      rmSync(join(home, "run.lock"), { force: true })
    }
    const batches = await Effect.runPromise(withApp(home)(Effect.flatMap(Batches, (b) => b.batches)))
    const id = batches.find((b) => b.institution === "avenue-demo")!.batch_id
    await until(detail(id, "avenue-demo"), (a) => a.json.processing?.state === "processed", "processing after the lock is free")
  }, 60_000)
})

describe("intake server with --no-process", () => {
  it("leaves uploaded batches pending for the operator's `acervo run`", async () => {
    const home = tempDir("acervo-intake-off-")
    const server = await startIntakeServer({ settings: { home, workers: 0 }, server: { process: false, pollSeconds: 1 } })
    try {
      const token = await tokenFor(home, "rapanui-demo", "partner")
      const up = await send(server.url, "POST", "/v1/batches", { token, body: readFileSync(await tarGz(join(sampleBatches, "rapanui-kieviet"), join(tempDir(), "r.tar.gz"))) })
      expect(up.status).toBe(201)
      await pause(1500)
      const read = await send(server.url, "GET", "/v1/batches/kieviet-2017", { token })
      expect(read.json.processing).toEqual({ state: "waiting", by: "operator", files_done: 0, files_total: 1, kept: 0, excluded: 0, error: null, release: null })
      expect((await send(server.url, "GET", "/v1/batches", { token })).json.intake).toEqual({ processes: false, release: null })
      const db = new Database(join(home, "catalog.db"), { readonly: true })
      expect(db.prepare("SELECT count(*) AS n FROM runs").get()).toEqual({ n: 0 })
      db.close()
    } finally {
      await server.close()
    }
  }, 30_000)
})

describe("acervo serve stopping", () => {
  it("stops on SIGTERM in the middle of a run, leaving it resumable: the next server finishes the batch", async () => {
    const home = tempDir("acervo-intake-stop-")
    const work = tempDir("acervo-intake-stop-work-")
    // 240 one-line files, one document a chunk: a run of many commits to stop in the middle of.
    const batch = join(work, "muchos")
    mkdirSync(join(batch, "textos"), { recursive: true })
    const sentences = readFileSync(join(sampleBatches, "biblioteca-udhr", "textos", "es-00.txt"), "utf8").split(/(?<=\.)\s+/).filter((s) => s.length > 30)
    for (let i = 0; i < 240; i++) {
      writeFileSync(join(batch, "textos", `doc-${String(i).padStart(3, "0")}.txt`), `Documento ${i}. ${sentences[i % sentences.length]} ${sentences[(i * 7 + 3) % sentences.length]} Número ${i * 31}.\n`)
    }
    writeFileSync(
      join(batch, "batch.json"),
      JSON.stringify({
        format: "acervo-batch/1",
        institution: "biblioteca-demo",
        id: "muchos",
        defaults: { language: "spa", license: "CC-BY-4.0", consent: { basis: "license", reference: "test", scope: ["pretraining"] }, kind: "literature" }
      })
    )
    const token = await tokenFor(home, "biblioteca-demo", "partner")
    const env = { ACERVO_CHUNK_DOCUMENTS: "1", ACERVO_WORKERS: "0", ACERVO_SERVER_LOG: "false" }
    const child = cliAsync(["serve", "--port", "0", "--home", home], { env })
    let stderr = ""
    child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    const url = await new Promise<string>((resolve, reject) => {
      let out = ""
      child.stdout!.on("data", (b: Buffer) => {
        out += b.toString()
        const m = /listening on (http:\/\/\S+)/.exec(out)
        if (m) resolve(m[1]!)
      })
      child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
    })
    const up = await send(url, "POST", "/v1/batches", { token, body: readFileSync(await tarGz(batch, join(work, "muchos.tar.gz"))) })
    expect(up.status, JSON.stringify(up.json)).toBe(201)
    const mid = await until(
      () => send(url, "GET", "/v1/batches/muchos", { token }),
      (a) => a.json.processing?.state === "processing" && a.json.processing.files_done > 0,
      "the run under way"
    )
    expect(mid.json.processing.files_done).toBeLessThan(240)
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
    expect(stderr).not.toMatch(/\n\s+at /)
    expect(existsSync(join(home, "run.lock"))).toBe(false)
    const left = await Effect.runPromise(withApp(home)(Effect.flatMap(Batches, (b) => b.batches)))
    expect(left[0]!.pending).toBeGreaterThan(0)

    const again = await startIntakeServer({ settings: { home, workers: 0 } })
    try {
      const done = await until(() => send(again.url, "GET", "/v1/batches/muchos", { token }), (a) => a.json.processing?.state === "processed", "the run resumed")
      expect(done.json.processing.files_done).toBe(240)
      // Each document once: what the stopped run committed is not read again.
      expect(done.json.processing.kept + done.json.processing.excluded).toBe(240)
    } finally {
      await again.close()
    }
    expect(readdirSync(home).filter((f) => f.startsWith("run.lock"))).toEqual([])
  }, 90_000)
})
