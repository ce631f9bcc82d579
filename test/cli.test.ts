import { describe, expect, it } from "vitest"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import Database from "better-sqlite3"
import { cli, cliAsync, filesUnder, fixture, sampleBatches, sampleBatchNames, STACK_LINE, tempDir } from "./helpers.ts"

const sampleArgs = sampleBatchNames.map((n) => join(sampleBatches, n))

/** `npm start`, in a fresh folder: submit the samples, run them into releases/sample. */
const mainJob = async (cwd: string) => {
  const submit = await cli(["submit", ...sampleArgs], { cwd })
  expect(submit.code, submit.stderr).toBe(0)
  const run = await cli(["run", "--release", "sample"], { cwd })
  expect(run.code, run.stderr).toBe(0)
  return { submit, run, release: join(cwd, "releases", "sample") }
}

/** 3000 short Rapa Nui documents in one JSONL file: a run of several seconds, committed in chunks. */
const bigBatch = () => {
  const batch = join(tempDir(), "grande")
  mkdirSync(batch)
  const sentences = readFileSync(fixture("kieviet-60.txt"), "utf8").trim().split("\n")
  const lines: Array<string> = []
  for (let i = 0; i < 3000; i++) {
    const text = [`Documento ${i}.`, ...Array.from({ length: 8 }, (_, k) => sentences[(i * 7 + k * 13) % sentences.length])].join("\n")
    lines.push(JSON.stringify({ id: `doc-${i}`, text }))
  }
  writeFileSync(join(batch, "docs.jsonl"), lines.join("\n") + "\n")
  writeFileSync(join(batch, "batch.json"), JSON.stringify({ format: "acervo-batch/1", institution: "prueba", id: "grande", defaults: { language: "rap", license: "CC-BY-4.0", consent: { basis: "license", reference: "r", scope: "pretraining" } } }))
  return batch
}

/** Documents in the catalog once a run has committed its first chunk (polled read-only). */
const documentsOnceStarted = async (db: string) => {
  let seen = 0
  for (let i = 0; i < 400 && seen === 0; i++) {
    await new Promise((r) => setTimeout(r, 25))
    try {
      const conn = new Database(db, { readonly: true, fileMustExist: true })
      seen = (conn.prepare("SELECT count(*) AS n FROM documents").get() as { n: number }).n
      conn.close()
    } catch {
      // not created yet
    }
  }
  return seen
}

describe("acervo command line", () => {
  it("runs the main job into a release that audit verify accepts, byte-identical from a clean home, and names a changed shard", async () => {
    const a = tempDir()
    const b = tempDir()
    const first = await mainJob(a)
    expect(first.submit.stdout).toContain("registered batch biblioteca-demo/udhr-2026-001")
    expect(first.run.stdout).toContain(`release sample: ${join(a, "releases", "sample")}`)
    expect(first.run.stdout).toMatch(/language\s+documents\s+characters/)
    expect(first.run.stdout).toMatch(/exact-duplicate\s+1/)
    await mainJob(b)
    const shardsA = [...filesUnder(join(first.release, "shards"))]
    const shardsB = filesUnder(join(b, "releases", "sample", "shards"))
    // Five shards, each as JSON lines and as Parquet.
    expect(shardsA.length).toBe(10)
    for (const [path, bytes] of shardsA) expect(bytes.equals(shardsB.get(path)!), path).toBe(true)

    const ok = await cli(["audit", "verify", "releases/sample"], { cwd: a })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain("OK — 10 shard(s), 30 records")

    const shard = "shards/open/rap/part-00000.jsonl.gz"
    const bytes = readFileSync(join(first.release, shard))
    bytes[20]! ^= 0x40
    writeFileSync(join(first.release, shard), bytes)
    const bad = await cli(["audit", "verify", "releases/sample"], { cwd: a })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(`${shard}: sha256 is`)
    expect(bad.stderr).not.toContain("shards/open/spa")
    expect(bad.stderr).not.toMatch(STACK_LINE)

    const status = await cli(["status", "--json"], { cwd: a })
    const report = JSON.parse(status.stdout)
    expect(report.excluded).toEqual({ "consent-missing": 1, "exact-duplicate": 1, "label-restricted": 1, "license-unknown": 1 })
    expect(report.batches).toHaveLength(5)
    const ledger = await cli(["audit", "ledger"], { cwd: a })
    expect(ledger.stdout).toContain("7 entries, hash chain intact")
  })

  it("answers bad input with a message that says what to do, never a stack trace", async () => {
    const cwd = tempDir()
    const broken = join(tempDir(), "roto")
    mkdirSync(broken)
    writeFileSync(join(broken, "batch.json"), JSON.stringify({ format: "acervo-batch/1", institution: "Mi Biblioteca", documents: [{ path: "falta.txt" }] }))
    const cases: Array<[Array<string>, RegExp]> = [
      [["submit", join(cwd, "no-such-batch")], /no such file or folder; give a batch folder/],
      [["submit", broken], /batch refused, nothing registered[\s\S]*\$\.institution[\s\S]*slug[\s\S]*\$\.documents\[0\]\.path[\s\S]*does not exist/],
      [["submit", fixture("kieviet-60.txt")], /neither a batch folder nor a .tar, .tar.gz or .zip/],
      [["status", "--batch", "nada"], /no batch "nada" is registered/],
      [["audit", "verify", join(cwd, "nowhere")], /manifest.json does not exist/],
      [["run", "--stages", "langid"], /run together on each document/],
      [["run", "--profile", "everything", "--release", "x"], /unknown profile\(s\) everything/],
      [["run", "--release", "x"], /no batch is registered in \.acervo: nothing to process or release; submit one first/]
    ]
    for (const [args, message] of cases) {
      const r = await cli(args, { cwd })
      expect(r.code, args.join(" ")).not.toBe(0)
      expect(r.stderr, args.join(" ")).toMatch(message)
      expect(r.stderr + r.stdout, args.join(" ")).not.toMatch(STACK_LINE)
    }
    const unknown = await cli(["submit"], { cwd })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr + unknown.stdout).not.toMatch(STACK_LINE)
    expect(existsSync(join(cwd, ".acervo", "batches")) ? 1 : 0).toBe(0)
  })

  it("lets one run work on a catalog at a time, and takes over the lock of a run that died", async () => {
    const cwd = tempDir()
    expect((await cli(["submit", join(sampleBatches, "universidad-udhr")], { cwd })).code).toBe(0)
    const lock = join(cwd, ".acervo", "run.lock")
    writeFileSync(lock, String(process.pid))
    const busy = await cli(["run", "--release", "r"], { cwd })
    expect(busy.code).toBe(1)
    expect(busy.stderr).toContain(`another acervo run (pid ${process.pid}) is working on .acervo`)
    expect(existsSync(join(cwd, "releases", "r"))).toBe(false)
    writeFileSync(lock, "2147483646")
    const after = await cli(["run", "--release", "r"], { cwd })
    expect(after.code, after.stderr).toBe(0)
    expect(existsSync(lock)).toBe(false)
    expect(existsSync(join(cwd, "releases", "r", "manifest.json"))).toBe(true)
  })

  it("generates planted duplicates and evaluates dedup on them, the same files from the same seed", async () => {
    const [a, b] = [tempDir(), tempDir()]
    for (const dir of [a, b]) {
      const generated = await cli(["dedup", "generate", dir, "--mb", "0.6", "--seed", "3"])
      expect(generated.code, generated.stderr).toBe(0)
      expect(generated.stdout).toMatch(/planted copies/)
    }
    expect(readFileSync(join(a, "documents.jsonl")).equals(readFileSync(join(b, "documents.jsonl")))).toBe(true)
    const scored = await cli(["dedup", "eval", join(a, "documents.jsonl"), join(a, "pairs.jsonl"), "--json"])
    expect(scored.code, scored.stderr).toBe(0)
    const report = JSON.parse(scored.stdout)
    expect(report.targetPairs).toBeGreaterThan(5)
    expect(report.recall).toBeGreaterThanOrEqual(0.95)
    expect(report.precision).toBeGreaterThanOrEqual(0.98)
    const missing = await cli(["dedup", "eval", join(a, "documents.jsonl"), join(a, "nowhere.jsonl")])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("nowhere.jsonl: no such file")
  })

  it("identifies the language of standard input", async () => {
    const r = await cli(["langid", "-"], { input: readFileSync(join(sampleBatches, "biblioteca-udhr", "textos", "pt-01.txt"), "utf8") })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ lang: "por", langs: { por: 1 } })
  })

  it("writes plain text into a pipe, refuses a --home without a catalog, ends quietly when its reader goes away", async () => {
    const help = await cli(["--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("USAGE")
    expect(help.stdout + help.stderr).not.toContain("\u001b[")
    const cwd = tempDir()
    for (const args of [["status"], ["audit", "ledger"], ["audit", "trace", "0123abcd"], ["withdraw", "--batch", "a/b", "--reason", "r"], ["token", "list"]]) {
      const r = await cli([...args, "--home", join(cwd, "typo")], { cwd })
      expect(r.code, args.join(" ")).toBe(1)
      expect(r.stderr, args.join(" ")).toContain(`no catalog at ${join(cwd, "typo")}`)
      expect(existsSync(join(cwd, "typo")), args.join(" ")).toBe(false)
    }
    // `acervo langid --jsonl F | head -1`: the pipe closes after the first lines.
    const child = cliAsync(["langid", "--jsonl", join(sampleBatches, "..", "..", "langid", "dev.jsonl")])
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.stdout.once("data", () => child.stdout.destroy())
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)))
    expect(code).toBe(0)
    expect(stderr).toBe("")
  })

  it("stops on SIGTERM at a chunk boundary, says so, and resumes to a release that verifies", async () => {
    const batch = bigBatch()
    const home = tempDir()
    expect((await cli(["submit", batch], { cwd: home })).code).toBe(0)
    const child = cliAsync(["run", "--release", "big"], { cwd: home, env: { ACERVO_CHUNK_DOCUMENTS: "5" } })
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)))
    expect(await documentsOnceStarted(join(home, ".acervo", "catalog.db"))).toBeGreaterThan(0)
    child.kill("SIGTERM")
    expect(await exited).toBe(143)
    expect(stderr).toContain("acervo: stopped by SIGTERM")
    expect(stderr).not.toMatch(STACK_LINE)
    expect(existsSync(join(home, "releases", "big"))).toBe(false)
    const resumed = await cli(["run", "--release", "big"], { cwd: home })
    expect(resumed.code, resumed.stderr).toBe(0)
    expect((await cli(["audit", "verify", "releases/big"], { cwd: home })).code).toBe(0)
  })

  it("resumes a run killed half way, writes no half release, and ends with the same shards as an uninterrupted run", async () => {
    const batch = bigBatch()
    const env = { ACERVO_CHUNK_DOCUMENTS: "5" }

    const killed = tempDir()
    expect((await cli(["submit", batch], { cwd: killed })).code).toBe(0)
    const child = cliAsync(["run", "--release", "big"], { cwd: killed, env })
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
    const db = join(killed, ".acervo", "catalog.db")
    const seen = await documentsOnceStarted(db)
    child.kill("SIGKILL")
    await exited
    expect(seen).toBeGreaterThan(0)
    const conn = new Database(db, { readonly: true })
    const afterKill = (conn.prepare("SELECT count(*) AS n FROM documents").get() as { n: number }).n
    const pending = (conn.prepare("SELECT count(*) AS n FROM files WHERE status = 'pending'").get() as { n: number }).n
    conn.close()
    expect(afterKill).toBeLessThan(3000)
    expect(afterKill % 5).toBe(0)
    expect(pending).toBe(1)
    expect(existsSync(join(killed, "releases", "big"))).toBe(false)

    const resumed = await cli(["run", "--release", "big"], { cwd: killed, env })
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toContain(`${3000 - afterKill} documents`)

    const clean = tempDir()
    expect((await cli(["submit", batch], { cwd: clean })).code).toBe(0)
    expect((await cli(["run", "--release", "big"], { cwd: clean })).code).toBe(0)
    const a = filesUnder(join(killed, "releases", "big", "shards"))
    const b = filesUnder(join(clean, "releases", "big", "shards"))
    expect([...a.keys()]).toEqual([...b.keys()])
    for (const [path, bytes] of a) expect(bytes.equals(b.get(path)!), path).toBe(true)
    expect((await cli(["audit", "verify", "releases/big"], { cwd: killed })).code).toBe(0)
  }, 300_000)
})
