import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { spawn } from "node:child_process"
import { join } from "node:path"
import Database from "better-sqlite3"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { processPending } from "../../pipeline/run.ts"
import { Batches } from "../../catalog/batches.ts"
import { CatalogError } from "../../catalog/errors.ts"
import { tarGz } from "../archives.ts"
import { cli, cliAsync, filesUnder, sampleBatches, tempDir, withApp } from "../helpers.ts"
import { seededRandom } from "../../bench/seeded-random.ts"

type Submit = ReturnType<typeof submitBatch>
const submitExit = (home: string, path: string, wrap: (e: Submit) => Submit = (e) => e) =>
  Effect.runPromise(withApp(home)(Effect.exit(wrap(submitBatch(path)))))

const rows = (home: string): Array<{ content_sha256: string; stored_path: string }> => {
  if (!existsSync(join(home, "catalog.db"))) return []
  const db = new Database(join(home, "catalog.db"), { readonly: true })
  try {
    return db.prepare("SELECT content_sha256, stored_path FROM batches").all() as Array<{ content_sha256: string; stored_path: string }>
  } finally {
    db.close()
  }
}

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : [])

/** What a failed submit must leave: no row, nothing in the store or staging. */
const expectNoTrace = (home: string) => {
  expect(rows(home)).toEqual([])
  expect(entries(join(home, "batches"))).toEqual([])
  expect(entries(join(home, "staging"))).toEqual([])
}

/** The catalog, migrated and empty. */
const emptyCatalog = async (home: string) => {
  await Effect.runPromise(withApp(home)(Effect.flatMap(Batches, (b) => b.batches)))
  return new Database(join(home, "catalog.db"))
}

/** Registration that writes its rows and puts the copy in place, then fails before the commit. */
const failingAfterPublish = (failure: Effect.Effect<never, CatalogError>) =>
  Layer.effect(
    Batches,
    Effect.map(Batches, (real) => Batches.make({ ...real, registerBatch: (batch, publish = Effect.void) => real.registerBatch(batch, Effect.zipRight(publish, failure as Effect.Effect<never>)) }))
  )

/** The pid of a process that has exited. */
const deadPid = () =>
  new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ["-e", ""])
    child.on("exit", () => resolve(child.pid!))
  })

const readOnlyTree = (dir: string, file = "x.txt") => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, file), "left behind")
  chmodSync(join(dir, file), 0o444)
  chmodSync(dir, 0o555)
}

describe("submit is all or nothing", () => {
  it("leaves no trace when the catalog refuses the rows after the copy is made", async () => {
    const home = tempDir()
    const db = await emptyCatalog(home)
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON ledger BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    db.close()
    const exit = await submitExit(home, join(sampleBatches, "universidad-udhr"))
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("CatalogError")
    expectNoTrace(home)
    const archive = await tarGz(join(sampleBatches, "avenue-transcripts"), join(tempDir(), "avenue.tar.gz"))
    expect(Exit.isFailure(await submitExit(home, archive))).toBe(true)
    expectNoTrace(home)
  })

  it("takes the stored copy away again when the transaction fails after putting it in place", async () => {
    for (const failure of [Effect.die(new Error("commit failed: disk I/O error")), Effect.fail(new CatalogError({ operation: "registering the batch", cause: "database is locked" }))]) {
      const home = tempDir()
      const exit = await submitExit(home, join(sampleBatches, "biblioteca-udhr"), (e) => Effect.provide(e, failingAfterPublish(failure)))
      expect(Exit.isFailure(exit)).toBe(true)
      expectNoTrace(home)
      // And the same content then registers whole.
      expect(Exit.isSuccess(await submitExit(home, join(sampleBatches, "biblioteca-udhr")))).toBe(true)
      expect(rows(home)).toHaveLength(1)
    }
  })

  it("puts its own copy in place of a stored folder that has no catalog row, and registers it", async () => {
    const first = tempDir()
    expect(Exit.isSuccess(await submitExit(first, join(sampleBatches, "universidad-udhr")))).toBe(true)
    const sha = rows(first)[0]!.content_sha256
    // What a submit killed between the rename and the commit leaves: the folder, no row; here with a byte changed.
    const home = tempDir()
    await emptyCatalog(home)
    cpSync(join(first, "batches"), join(home, "batches"), { recursive: true })
    const stale = join(home, "batches", sha, "preambulo.md")
    chmodSync(stale, 0o644)
    writeFileSync(stale, "not what was sent")
    chmodSync(stale, 0o444)
    expect(Exit.isSuccess(await submitExit(home, join(sampleBatches, "universidad-udhr")))).toBe(true)
    expect(rows(home)).toEqual([{ content_sha256: sha, stored_path: join(home, "batches", sha) }])
    expect(entries(join(home, "batches"))).toEqual([sha])
    expect(readFileSync(stale, "utf8")).toBe(readFileSync(join(sampleBatches, "universidad-udhr", "preambulo.md"), "utf8"))
  })

  it("removes the copies and staging folders of submits that were killed, and keeps those of live ones", async () => {
    const home = tempDir()
    const dead = await deadPid()
    const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"])
    try {
      readOnlyTree(join(home, "batches", `.incoming-${dead}-0a1b2c3d4e5f`))
      readOnlyTree(join(home, "batches", ".incoming-0a1b2c3d4e5f"))
      readOnlyTree(join(home, "batches", `.incoming-${live.pid}-0a1b2c3d4e5f`))
      readOnlyTree(join(home, "staging", `${dead}-0a1b2c3d4e5f`))
      readOnlyTree(join(home, "staging", `${live.pid}-0a1b2c3d4e5f`))
      expect(Exit.isSuccess(await submitExit(home, join(sampleBatches, "universidad-udhr")))).toBe(true)
      const sha = rows(home)[0]!.content_sha256
      expect(entries(join(home, "batches"))).toEqual([`.incoming-${live.pid}-0a1b2c3d4e5f`, sha].sort())
      expect(entries(join(home, "staging"))).toEqual([`${live.pid}-0a1b2c3d4e5f`])
      // `acervo run` sweeps too.
      readOnlyTree(join(home, "batches", `.incoming-${dead}-ffffffffffff`))
      const run = await cli(["run", "--home", home, "--stages", "ingest,normalize,langid,pii,quality,tokens,dedup,gate"])
      expect(run.code, run.stderr).toBe(0)
      expect(entries(join(home, "batches"))).toEqual([`.incoming-${live.pid}-0a1b2c3d4e5f`, sha].sort())
    } finally {
      live.kill("SIGKILL")
    }
  })
})

/** Kills `args` after `delay` milliseconds (or lets it finish first); resolves once it has exited. */
const killAfter = (args: ReadonlyArray<string>, delay: number) =>
  new Promise<{ killed: boolean }>((resolve) => {
    const child = cliAsync(args)
    child.stdout.resume()
    child.stderr.resume()
    let exited = false
    const timer = setTimeout(() => {
      if (!exited) child.kill("SIGKILL")
    }, delay)
    child.on("exit", (_code, signal) => {
      exited = true
      clearTimeout(timer)
      resolve({ killed: signal === "SIGKILL" })
    })
  })

const timed = async (f: () => Promise<unknown>) => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

describe("killed with SIGKILL", () => {
  it("submit leaves either the whole batch registered or no row, and the next submit registers it", { timeout: 600_000 }, async () => {
    const batch = join(tempDir(), "grande")
    mkdirSync(join(batch, "textos"), { recursive: true })
    for (let i = 0; i < 1000; i++) writeFileSync(join(batch, "textos", `doc-${String(i).padStart(4, "0")}.txt`), `Documento ${i}. ${"Un texto de prueba con palabras. ".repeat(40 + (i % 50))}`)
    writeFileSync(join(batch, "batch.json"), JSON.stringify({ format: "acervo-batch/1", institution: "prueba", id: "grande", defaults: { language: "spa", license: "CC-BY-4.0", consent: { basis: "license", reference: "r", scope: "pretraining" } } }))
    const archive = await tarGz(batch, join(tempDir(), "grande.tar.gz"))
    const source = filesUnder(batch)
    const scratch = tempDir()
    const took = { folder: await timed(() => cli(["submit", batch, "--home", scratch])), archive: await timed(() => cli(["submit", archive, "--home", tempDir()])) }
    const sha = rows(scratch)[0]!.content_sha256

    const home = tempDir()
    const next = seededRandom(20261128)
    const consistent = () => {
      const registered = rows(home)
      const store = entries(join(home, "batches"))
      if (registered.length === 1) {
        // Registered means whole: every file in place, byte for byte.
        expect(registered[0]!.content_sha256).toBe(sha)
        const stored = filesUnder(join(home, "batches", sha))
        expect([...stored.keys()]).toEqual([...source.keys()])
        for (const [path, bytes] of stored) expect(bytes.equals(source.get(path)!), path).toBe(true)
      } else {
        expect(registered).toEqual([])
        // At most a copy in the making, and a stored folder whose rows never committed.
        for (const name of store) expect(name === sha || name.startsWith(".incoming-"), name).toBe(true)
      }
      return registered.length
    }
    let kills = 0
    for (let k = 0; k < 6; k++) {
      const input = k % 3 === 2 ? archive : batch
      const delay = (input === archive ? took.archive : took.folder) * (0.15 + 0.9 * next())
      const { killed } = await killAfter(["submit", input, "--home", home], delay)
      if (killed) kills++
      consistent()
    }
    expect(kills).toBeGreaterThan(0)
    const final = await cli(["submit", batch, "--home", home])
    expect(final.code, final.stderr).toBe(0)
    expect(final.stdout).toMatch(/registered batch prueba\/grande|already registered as prueba\/grande/)
    expect(consistent()).toBe(1)
    expect(entries(join(home, "batches"))).toEqual([sha])
    expect(entries(join(home, "staging"))).toEqual([])
  })

  it("withdraw takes full effect or none, and running it again completes it", { timeout: 600_000 }, async () => {
    const batch = join(tempDir(), "cartas")
    mkdirSync(batch)
    const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ id: `carta-${i}`, text: `Carta ${i}. ${"Estimada señora, le escribo desde el archivo para contarle de la entrevista. ".repeat(2 + (i % 7))}${i}` }))
    writeFileSync(join(batch, "cartas.jsonl"), lines.join("\n") + "\n")
    writeFileSync(join(batch, "batch.json"), JSON.stringify({ format: "acervo-batch/1", institution: "archivo-cartas", id: "cartas", defaults: { language: "spa", license: "CC-BY-4.0", consent: { basis: "license", reference: "r", scope: "pretraining" } } }))
    const prepared = tempDir()
    await Effect.runPromise(withApp(prepared)(Effect.zipRight(submitBatch(batch), processPending)) as Effect.Effect<unknown, unknown>)
    const documents = (home: string) => {
      const db = new Database(join(home, "catalog.db"), { readonly: true })
      try {
        const withdrawn = (db.prepare("SELECT count(*) AS n FROM documents WHERE stage = 'withdraw'").get() as { n: number }).n
        const total = (db.prepare("SELECT count(*) AS n FROM documents").get() as { n: number }).n
        const entries = (db.prepare("SELECT count(*) AS n FROM ledger WHERE kind = 'withdrawn'").get() as { n: number }).n
        return { withdrawn, total, entries }
      } finally {
        db.close()
      }
    }
    const total = documents(prepared).total
    expect(total).toBe(1000)
    const args = (home: string) => ["withdraw", "--batch", "archivo-cartas/cartas", "--reason", "la familia retiró el permiso", "--home", home]
    const trial = tempDir()
    cpSync(prepared, trial, { recursive: true })
    const took = await timed(() => cli(args(trial)))
    expect(documents(trial)).toEqual({ withdrawn: total, total, entries: 1 })

    const next = seededRandom(7)
    let none = 0
    for (let k = 0; k < 4; k++) {
      const home = tempDir()
      cpSync(prepared, home, { recursive: true })
      await killAfter(args(home), took * (0.2 + 0.9 * next()))
      const after = documents(home)
      // All or nothing: every document and one ledger entry, or none of either.
      expect([{ withdrawn: 0, total, entries: 0 }, { withdrawn: total, total, entries: 1 }]).toContainEqual(after)
      if (after.withdrawn === 0) none++
      const again = await cli(args(home))
      expect(again.code, again.stderr).toBe(0)
      expect(again.stdout).toMatch(after.withdrawn === 0 ? /withdrawn: 1000 document/ : /already withdrawn/)
      expect(documents(home)).toEqual({ withdrawn: total, total, entries: 1 })
      const ledger = await cli(["audit", "ledger", "--home", home])
      expect(ledger.code, ledger.stdout + ledger.stderr).toBe(0)
    }
    expect(none).toBeGreaterThan(0)
  })
})
