import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Readable } from "node:stream"
import { Batches } from "../../catalog/batches.ts"
import { Ledger } from "../../catalog/ledger.ts"
import { startIntakeServer } from "../../pipeline/server/serve.ts"
import { revokeToken } from "../../pipeline/server/tokens.ts"
import { tarGz, zipFolder, zipOf } from "../archives.ts"
import { cli, cliAsync, copyBatch, sampleBatches, tempDir, withApp } from "../helpers.ts"
import { send, tokenFor } from "./http.ts"

const batchCount = (home: string) => Effect.runPromise(withApp(home)(Effect.flatMap(Batches, (c) => c.batches))).then((b) => b.length)
const leftovers = (home: string) =>
  ["uploads", "staging"].flatMap((d) => (existsSync(join(home, d)) ? readdirSync(join(home, d)).map((f) => `${d}/${f}`) : []))
const storedBatches = (home: string) => (existsSync(join(home, "batches")) ? readdirSync(join(home, "batches")) : [])

describe("intake server on loopback", () => {
  const home = tempDir("acervo-serve-")
  const work = tempDir("acervo-serve-work-")
  let server: { url: string; close: () => Promise<void> }
  let partnerA: string
  let partnerB: string
  let auditor: string
  let operator: string
  const archives: Record<string, string> = {}

  beforeAll(async () => {
    // Processing is the operator's `acervo run` here, as with `acervo serve --no-process` (see intake.test.ts for the server's own).
    server = await startIntakeServer({ settings: { home }, server: { maxUploadBytes: 1024 * 1024, process: false } })
    // Partner A's token comes from the real command line: printed once, alone on the last line.
    const created = await cli(["token", "create", "--institution", "biblioteca-demo", "--role", "partner", "--home", home])
    expect(created.code, created.stderr).toBe(0)
    partnerA = created.stdout.trim().split("\n").at(-1)!
    expect(partnerA).toMatch(/^acervo_[A-Za-z0-9_-]{43}$/)
    partnerB = await tokenFor(home, "universidad-demo", "partner")
    auditor = await tokenFor(home, "acervo-auditoria", "auditor")
    operator = await tokenFor(home, "acervo-ops", "operator")
    archives["biblioteca"] = await tarGz(join(sampleBatches, "biblioteca-udhr"), join(work, "biblioteca.tar.gz"))
    archives["universidad"] = await zipFolder(join(sampleBatches, "universidad-udhr"), join(work, "universidad.zip"))
  }, 60_000)

  afterAll(async () => {
    await server?.close()
  })

  it("answers /healthz without a token, and the catalog keeps only a token's hash", async () => {
    const health = await send(server.url, "GET", "/healthz")
    expect(health.status).toBe(200)
    expect(health.json).toMatchObject({ status: "ok" })
    const db = readFileSync(join(home, "catalog.db"))
    expect(db.includes(Buffer.from(partnerA))).toBe(false)
    const listed = await cli(["token", "list", "--home", home])
    expect(listed.stdout).toContain("biblioteca-demo")
    expect(listed.stdout).not.toContain(partnerA)
  })

  it("registers a valid batch: 201 with its id, and lists it for its partner", async () => {
    const answer = await send(server.url, "POST", "/v1/batches", { token: partnerA, body: readFileSync(archives["biblioteca"]!) })
    expect(answer.status, JSON.stringify(answer.json)).toBe(201)
    expect(answer.json).toMatchObject({ id: "udhr-2026-001", institution: "biblioteca-demo", status: "registered", documents: 18 })
    const b = await send(server.url, "POST", "/v1/batches", { token: partnerB, body: readFileSync(archives["universidad"]!) })
    expect(b.status, JSON.stringify(b.json)).toBe(201)
    expect(b.json.id).toBe("fondo-ddhh-01")
    const again = await send(server.url, "POST", "/v1/batches", { token: partnerA, body: readFileSync(archives["biblioteca"]!) })
    expect(again.status).toBe(200)
    expect(again.json.status).toBe("already-registered")
    const list = await send(server.url, "GET", "/v1/batches", { token: partnerA })
    expect(list.status).toBe(200)
    expect(list.json.batches.map((x: { id: string }) => x.id)).toEqual(["udhr-2026-001"])
    expect(list.json.batches[0]).toMatchObject({ files: 18, pending_files: 18 })
    expect(leftovers(home)).toEqual([])
  })

  it("refuses an invalid batch with 422 and every problem at once, registering nothing", async () => {
    const dir = copyBatch("universidad-udhr", work)
    const manifest = JSON.parse(readFileSync(join(dir, "batch.json"), "utf8"))
    manifest.id = "fondo-roto"
    manifest.licence = "CC-BY-4.0"
    manifest.documents[0].path = "no-such-file.txt"
    manifest.documents[1].language = "xx"
    writeFileSync(join(dir, "batch.json"), JSON.stringify(manifest, null, 2))
    const before = await batchCount(home)
    const storedBefore = storedBatches(home)
    const answer = await send(server.url, "POST", "/v1/batches", { token: partnerB, body: readFileSync(await tarGz(dir, join(work, "broken.tar.gz"))) })
    expect(answer.status).toBe(422)
    expect(answer.json.reason).toBe("batch-invalid")
    const problems = answer.json.problems as Array<{ path: string; problem: string; fatal: boolean }>
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(["$.licence", "$.documents[0].path", "$.documents[1].language"]))
    expect(problems.find((p) => p.path === "$.licence")?.problem).toMatch(/unknown field/)
    expect(await batchCount(home)).toBe(before)
    expect(storedBatches(home)).toEqual(storedBefore)
    expect(leftovers(home)).toEqual([])
  })

  it("refuses an upload over the size limit with 413, declared or streamed, registering nothing", async () => {
    const before = await batchCount(home)
    const big = Buffer.alloc(1024 * 1024 + 4096, 0x61)
    big.write("PK\u0003\u0004")
    const declared = await send(server.url, "POST", "/v1/batches", { token: partnerA, body: big })
    expect(declared.status).toBe(413)
    expect(declared.json).toMatchObject({ reason: "upload-too-large", limit_bytes: 1024 * 1024 })
    // Without a Content-Length the server counts as the bytes arrive.
    const streamed = await send(server.url, "POST", "/v1/batches", { token: partnerA, body: Readable.from([big.subarray(0, 600_000), big.subarray(600_000)]) })
    expect(streamed.status).toBe(413)
    expect(streamed.json.reason).toBe("upload-too-large")
    expect(await batchCount(home)).toBe(before)
    expect(leftovers(home)).toEqual([])
  })

  it("refuses a zip bomb and a zip-slip archive, registering nothing", async () => {
    const before = await batchCount(home)
    const storedBefore = storedBatches(home)
    const batchJson = readFileSync(join(sampleBatches, "biblioteca-udhr", "batch.json"))
    const bomb = await zipOf([{ name: "b/batch.json", data: batchJson }, { name: "b/zeros.txt", data: Buffer.alloc(64 * 1024 * 1024) }], join(work, "bomb.zip"))
    const bombAnswer = await send(server.url, "POST", "/v1/batches", { token: partnerA, body: readFileSync(bomb) })
    expect(bombAnswer.status).toBe(422)
    expect(bombAnswer.json.reason).toBe("archive-bomb")
    expect(bombAnswer.json.message).toMatch(/zip bomb/)

    const slip = await zipOf([{ name: "b/batch.json", data: batchJson }, { name: "xx/evil.txt", data: Buffer.from("pwned") }], join(work, "slip.zip"))
    const bytes = Buffer.from(readFileSync(slip).toString("latin1").replaceAll("xx/evil.txt", "../evil.txt"), "latin1")
    const slipAnswer = await send(server.url, "POST", "/v1/batches", { token: partnerA, body: bytes })
    expect(slipAnswer.status).toBe(422)
    expect(slipAnswer.json.reason).toBe("archive-path-escape")
    expect(slipAnswer.json.message).toMatch(/leaves the batch folder/)
    expect(existsSync(join(home, "evil.txt"))).toBe(false)
    expect(existsSync(join(home, "uploads", "evil.txt"))).toBe(false)

    const notArchive = await send(server.url, "POST", "/v1/batches", { token: partnerA, body: "batch.json\n".repeat(100) })
    expect(notArchive.status).toBe(415)
    expect(notArchive.json.reason).toBe("not-an-archive")
    expect(await batchCount(home)).toBe(before)
    expect(storedBatches(home)).toEqual(storedBefore)
    expect(leftovers(home)).toEqual([])
  })

  it("keeps partner A out of partner B's batches through every endpoint and any id it guesses", async () => {
    const out = join(work, "releases")
    const run = await cli(["run", "--release", "r1", "--out", out, "--home", home])
    expect(run.code, run.stderr).toBe(0)
    const bDetail = await send(server.url, "GET", "/v1/batches/fondo-ddhh-01", { token: partnerB })
    expect(bDetail.status).toBe(200)
    const bRecords = (bDetail.json.documents as Array<{ record_id: string }>).map((d) => d.record_id)
    expect(bRecords.length).toBe(2)
    // B's copies of texts A sent first are excluded with their reason; A's file is not named to B.
    const bExclusions = (bDetail.json.documents as Array<{ exclusions: Array<{ code: string; detail: string }> }>).flatMap((d) => d.exclusions)
    expect(bExclusions.map((e) => e.code)).toContain("exact-duplicate")
    expect(bExclusions.find((e) => e.code === "exact-duplicate")!.detail).toContain("(a copy held by another institution)")
    expect(JSON.stringify(bDetail.json)).not.toContain("biblioteca-demo")
    const aDetail = await send(server.url, "GET", "/v1/batches/udhr-2026-001", { token: partnerA })
    expect(aDetail.status).toBe(200)
    expect(aDetail.json.documents.length).toBe(18)
    // A's own exclusions come with their reasons; a copy B holds is named without B's file.
    const excludedA = (aDetail.json.documents as Array<{ status: string; exclusions: Array<{ code: string; detail: string }> }>).filter((d) => d.status === "excluded")
    for (const d of excludedA) expect(d.exclusions.length).toBeGreaterThan(0)
    expect(JSON.stringify(aDetail.json)).not.toContain("universidad-demo/")

    const list = await send(server.url, "GET", "/v1/batches", { token: partnerA })
    expect(JSON.stringify(list.json)).not.toContain("universidad-demo")
    // Another institution's batch is answered exactly as a batch that never existed.
    const never = await send(server.url, "GET", "/v1/batches/never-registered", { token: partnerA })
    expect(never.status).toBe(404)
    const guesses = ["fondo-ddhh-01", "universidad-demo%2Ffondo-ddhh-01", "..%2Ffondo-ddhh-01", "fondo-ddhh-01?institution=universidad-demo"]
    for (const id of guesses) {
      const read = await send(server.url, "GET", `/v1/batches/${id}`, { token: partnerA })
      expect(read.status, `GET ${id}`).toBe(404)
      const asked = decodeURIComponent(id.split("?")[0]!)
      expect(read.json).toEqual({ ...never.json, message: never.json.message.replace("never-registered", asked) })
    }
    const readWithInstitution = await send(server.url, "GET", "/v1/batches/fondo-ddhh-01?institution=universidad-demo", { token: partnerA })
    expect(readWithInstitution.status).toBe(404)
    const withdrawB = await send(server.url, "POST", "/v1/batches/fondo-ddhh-01/withdraw?institution=universidad-demo", { token: partnerA, body: JSON.stringify({ reason: "guess" }) })
    expect(withdrawB.status).toBe(404)
    for (const record of bRecords) {
      const w = await send(server.url, "POST", `/v1/documents/${record}/withdraw`, { token: partnerA, body: JSON.stringify({ reason: "guess" }) })
      expect(w.status).toBe(404)
      const t = await send(server.url, "GET", `/v1/records/${record}/trace`, { token: partnerA })
      expect(t.status).toBe(404)
      expect(JSON.stringify(t.json)).not.toContain("universidad")
    }
    // B's exact archive sent with A's token is refused for its institution, not answered "already registered".
    const resend = await send(server.url, "POST", "/v1/batches", { token: partnerA, body: readFileSync(archives["universidad"]!) })
    expect(resend.status).toBe(422)
    expect(resend.json.problems[0]).toMatchObject({ path: "$.institution" })
    expect(JSON.stringify(resend.json)).not.toContain("fondo-ddhh-01")
    // Releases and the ledger cover every institution: not for a partner.
    expect((await send(server.url, "GET", "/v1/releases", { token: partnerA })).status).toBe(403)
    expect((await send(server.url, "GET", "/v1/ledger/verify", { token: partnerA })).status).toBe(403)
    // Nothing of B's changed.
    const bAfter = await send(server.url, "GET", "/v1/batches/fondo-ddhh-01", { token: partnerB })
    expect(bAfter.json.batch).toMatchObject({ withdrawn: 0 })
  }, 120_000)

  it("lets an auditor read everything and change nothing", async () => {
    const list = await send(server.url, "GET", "/v1/batches", { token: auditor })
    expect(list.json.batches.map((b: { institution: string }) => b.institution).sort()).toEqual(["biblioteca-demo", "universidad-demo"])
    const releases = await send(server.url, "GET", "/v1/releases", { token: auditor })
    expect(releases.status).toBe(200)
    expect(releases.json.releases.map((r: { name: string }) => r.name)).toEqual(["r1"])
    const manifest = await send(server.url, "GET", "/v1/releases/r1/manifest", { token: auditor })
    expect(manifest.status).toBe(200)
    expect(manifest.json.format).toBe("acervo-manifest/1")
    expect(manifest.json.batches.length).toBe(2)
    expect((await send(server.url, "GET", "/v1/releases/nope/manifest", { token: auditor })).json.reason).toBe("release-not-found")
    const ledger = await send(server.url, "GET", "/v1/ledger/verify", { token: auditor })
    expect(ledger.json).toMatchObject({ ok: true, broken: null })
    const bDetail = await send(server.url, "GET", "/v1/batches/fondo-ddhh-01", { token: auditor })
    const record = bDetail.json.documents[0].record_id as string
    const trace = await send(server.url, "GET", `/v1/records/${record}/trace`, { token: auditor })
    expect(trace.status).toBe(200)
    expect(trace.json.batch).toMatchObject({ institution: "universidad-demo", id: "fondo-ddhh-01" })

    const upload = await send(server.url, "POST", "/v1/batches", { token: auditor, body: readFileSync(archives["biblioteca"]!) })
    expect(upload.status).toBe(403)
    expect(upload.json.reason).toBe("role-forbidden")
    expect((await send(server.url, "POST", "/v1/batches/fondo-ddhh-01/withdraw", { token: auditor, body: JSON.stringify({ reason: "x" }) })).status).toBe(403)
    expect((await send(server.url, "POST", `/v1/documents/${record}/withdraw`, { token: auditor, body: JSON.stringify({ reason: "x" }) })).status).toBe(403)
    expect((await send(server.url, "GET", "/v1/batches/fondo-ddhh-01", { token: auditor })).json.batch.withdrawn).toBe(0)
  })

  it("lets a partner withdraw its own batch, recorded in the ledger", async () => {
    const noReason = await send(server.url, "POST", "/v1/batches/udhr-2026-001/withdraw", { token: partnerA, body: "{}" })
    expect(noReason.status).toBe(422)
    expect(noReason.json.reason).toBe("reason-missing")
    const badJson = await send(server.url, "POST", "/v1/batches/udhr-2026-001/withdraw", { token: partnerA, body: "reason=x" })
    expect(badJson.json.reason).toBe("body-invalid")
    // While an `acervo run` (another live process) holds the catalog's run lock, a withdrawal waits its turn.
    writeFileSync(join(home, "run.lock"), String(process.ppid))
    const locked = await send(server.url, "POST", "/v1/batches/udhr-2026-001/withdraw", { token: partnerA, body: JSON.stringify({ reason: "consent withdrawn by the community" }) })
    rmSync(join(home, "run.lock"))
    expect(locked.status).toBe(409)
    expect(locked.json.reason).toBe("run-in-progress")
    expect((await send(server.url, "GET", "/v1/batches/udhr-2026-001", { token: partnerA })).json.batch.withdrawn).toBe(0)
    const withdrawn = await send(server.url, "POST", "/v1/batches/udhr-2026-001/withdraw", { token: partnerA, body: JSON.stringify({ reason: "consent withdrawn by the community" }) })
    expect(withdrawn.status, JSON.stringify(withdrawn.json)).toBe(200)
    expect(withdrawn.json.withdrawn).toBe(18)
    const detail = await send(server.url, "GET", "/v1/batches/udhr-2026-001", { token: partnerA })
    expect(detail.json.batch.withdrawn).toBe(18)
    expect(detail.json.documents.every((d: { reason: string }) => d.reason === "withdrawn")).toBe(true)
    const ledger = await cli(["audit", "ledger", "--home", home])
    expect(ledger.code).toBe(0)
    const entries = await Effect.runPromise(withApp(home)(Effect.flatMap(Ledger, (l) => l.entries)))
    expect(entries.filter((e) => e.kind === "withdrawn").map((e) => e.entry["reason"])).toContain("consent withdrawn by the community")
    // An operator acts for every institution.
    const bDetail = await send(server.url, "GET", "/v1/batches/fondo-ddhh-01", { token: operator })
    const record = bDetail.json.documents[0].record_id as string
    const one = await send(server.url, "POST", `/v1/documents/${record}/withdraw`, { token: operator, body: JSON.stringify({ reason: "rights holder asked" }) })
    expect(one.status).toBe(200)
    expect(one.json.withdrawn).toBe(1)
  })

  it("answers a revoked token, a wrong one and none with 401 and a reason", async () => {
    const token = await tokenFor(home, "biblioteca-demo", "partner")
    expect((await send(server.url, "GET", "/v1/batches", { token })).status).toBe(200)
    await Effect.runPromise(withApp(home)(revokeToken(token)))
    const revoked = await send(server.url, "GET", "/v1/batches", { token })
    expect(revoked.status).toBe(401)
    expect(revoked.json.reason).toBe("token-revoked")
    const upload = await send(server.url, "POST", "/v1/batches", { token, body: readFileSync(archives["biblioteca"]!) })
    expect(upload.status).toBe(401)
    expect((await send(server.url, "GET", "/v1/batches", { token: `${token}x` })).json.reason).toBe("token-invalid")
    expect((await send(server.url, "GET", "/v1/batches")).json.reason).toBe("token-missing")
    const unknown = await send(server.url, "GET", "/v2/anything", { token: partnerA })
    expect(unknown.status).toBe(404)
    expect(unknown.json.reason).toBe("route-not-found")
  })
})

describe("intake server limits", () => {
  it("answers a stalled upload with 408 and a full queue with 503, keeping nothing", async () => {
    const home = tempDir("acervo-serve-limits-")
    const server = await startIntakeServer({ settings: { home }, server: { uploadConcurrency: 1, uploadQueue: 0, uploadIdleSeconds: 1 } })
    try {
      const token = await tokenFor(home, "biblioteca-demo", "partner")
      const head = readFileSync(await tarGz(join(sampleBatches, "biblioteca-udhr"), join(tempDir(), "b.tar.gz"))).subarray(0, 2000)
      // A sender that starts and then sends nothing more.
      const stalling = new Readable({ read() {} })
      stalling.push(head)
      const stalled = send(server.url, "POST", "/v1/batches", { token, body: stalling })
      await new Promise((r) => setTimeout(r, 200))
      const busy = await send(server.url, "POST", "/v1/batches", { token, body: head })
      expect(busy.status).toBe(503)
      expect(busy.json.reason).toBe("too-many-uploads")
      expect(busy.headers["retry-after"]).toBe("60")
      const answer = await stalled
      expect(answer.status).toBe(408)
      expect(answer.json.reason).toBe("upload-stalled")
      stalling.destroy()
      // A client that goes away half way leaves nothing behind either.
      const leaving = new Readable({ read() {} })
      leaving.push(head)
      const gone = send(server.url, "POST", "/v1/batches", { token, body: leaving }).catch((e: Error) => e)
      await new Promise((r) => setTimeout(r, 300))
      leaving.destroy(new Error("client gave up"))
      expect(await gone).toBeInstanceOf(Error)
      await new Promise((r) => setTimeout(r, 300))
      expect(await batchCount(home)).toBe(0)
      expect(leftovers(home)).toEqual([])
    } finally {
      await server.close()
    }
  }, 30_000)
})

describe("acervo serve", () => {
  it("listens, answers, stops on Ctrl-C, and says so plainly when the port is taken", async () => {
    const home = tempDir("acervo-serve-cli-")
    const child = cliAsync(["serve", "--port", "0", "--home", home])
    let out = ""
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (b: Buffer) => {
        out += b.toString()
        const m = /listening on (http:\/\/\S+)/.exec(out)
        if (m) resolve(m[1]!)
      })
      child.on("exit", (code) => reject(new Error(`serve exited with ${code}`)))
    })
    try {
      expect((await send(url, "GET", "/healthz")).status).toBe(200)
      const page = await fetch(url)
      expect(page.headers.get("content-type")).toContain("text/html")
      expect(await page.text()).toContain('id="upload"')
      const openapi = (await send(url, "GET", "/v1/openapi.json")).json
      expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(["/v1/batches", "/v1/batches/{id}", "/v1/records/{id}/trace", "/v1/ledger/verify"]))
      const taken = await cli(["serve", "--port", new URL(url).port, "--home", home])
      expect(taken.code).toBe(1)
      expect(taken.stderr).toMatch(/cannot listen: .*EADDRINUSE.*choose another --port/)
      expect(taken.stderr).not.toMatch(/\n\s+at /)
    } finally {
      child.kill("SIGINT")
    }
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)))
    expect(code).toBe(0)
  }, 60_000)
})
