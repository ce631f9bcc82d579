import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, statSync, writeFileSync } from "node:fs"
import { createHash } from "node:crypto"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { verifyBag } from "../../pipeline/batch/bagit.ts"
import type { BatchRejected } from "../../pipeline/errors.ts"
import { copyBatch, sampleBatches, tempDir } from "../helpers.ts"
import { tarGz, zipFolder, zipOf } from "../archives.ts"
import { expectNothingRegistered, registered, submitIn } from "./submit-helpers.ts"

describe("acervo submit", () => {
  it("registers a batch folder read-only under its content hash, and the same content again is one batch", async () => {
    const home = tempDir()
    const first = await submitIn(home, join(sampleBatches, "biblioteca-udhr"))
    expect(Either.isRight(first) && first.right).toMatchObject({ status: "registered", institution: "biblioteca-demo", batchId: "udhr-2026-001", documents: 18 })
    const sha = Either.getOrThrow(first).contentSha256
    const stored = join(home, "batches", sha)
    expect(readdirSync(stored).sort()).toEqual(["batch.json", "textos"])
    expect(statSync(join(stored, "textos", "es-00.txt")).mode & 0o222).toBe(0)
    const again = await submitIn(home, join(sampleBatches, "biblioteca-udhr"))
    expect(Either.getOrThrow(again)).toMatchObject({ status: "already-registered", batchId: "udhr-2026-001" })
    const asTar = await submitIn(home, await tarGz(join(sampleBatches, "biblioteca-udhr"), join(tempDir(), "udhr.tar.gz")))
    expect(Either.getOrThrow(asTar)).toMatchObject({ status: "already-registered", contentSha256: sha })
    expect(await registered(home)).toHaveLength(1)
  })

  it("registers .tar.gz and .zip archives of a batch", async () => {
    const home = tempDir()
    const tgz = await tarGz(join(sampleBatches, "avenue-transcripts"), join(tempDir(), "avenue.tar.gz"))
    expect(Either.getOrThrow(await submitIn(home, tgz))).toMatchObject({ status: "registered", documents: 3 })
    const zip = await zipFolder(join(sampleBatches, "universidad-udhr"), join(tempDir(), "universidad.zip"))
    expect(Either.getOrThrow(await submitIn(home, zip))).toMatchObject({ status: "registered", institution: "universidad-demo" })
    expect(await registered(home)).toHaveLength(2)
  })

  it("reports every problem of a malformed batch.json at once and registers nothing", async () => {
    const home = tempDir()
    const dir = copyBatch("universidad-udhr")
    const manifest = JSON.parse(readFileSync(join(dir, "batch.json"), "utf8"))
    manifest.format = "acervo-batch/2"
    manifest.institution = "Universidad Demo"
    manifest.documents[0].licence = "CC0-1.0"
    manifest.documents[1].path = "no-existe.md"
    manifest.documents[1].language = "portugués"
    manifest.defaults.consent.basis = "verbal"
    writeFileSync(join(dir, "batch.json"), JSON.stringify(manifest))
    const result = await submitIn(home, dir)
    expect(Either.isLeft(result)).toBe(true)
    const error = Either.getLeft(result).pipe((o) => o._tag === "Some" ? o.value : undefined) as BatchRejected
    expect(error._tag).toBe("BatchRejected")
    const paths = error.problems.map((p) => p.path)
    expect(paths).toEqual(expect.arrayContaining(["$.format", "$.institution", "$.documents[0].licence", "$.documents[1].language", "$.defaults.consent.basis"]))
    expect(error.problems.find((p) => p.path === "$.documents[0].licence")!.expected).toContain('spelled "license"')
    expect(error.problems.find((p) => p.path === "$.institution")!.problem).toContain("slug")
    expect(error.problems.find((p) => p.path === "$.documents[0].licence")!.code).toBe("field-unknown")
    expect(error.problems.find((p) => p.path === "$.defaults.consent.basis")!.code).toBe("field-invalid")
    expect(error.message).toContain("nothing registered")
    await expectNothingRegistered(home)
  })

  it("refuses a language candidate set with a language that has no profile, naming how to build one", async () => {
    const home = tempDir()
    const dir = copyBatch("universidad-udhr")
    const manifest = JSON.parse(readFileSync(join(dir, "batch.json"), "utf8"))
    manifest.defaults.langid = { candidates: ["spa", "por", "xyz"] }
    writeFileSync(join(dir, "batch.json"), JSON.stringify(manifest))
    const result = await submitIn(home, dir)
    const error = Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(error._tag).toBe("BatchRejected")
    const problem = error.problems.find((p) => p.path.endsWith(".langid.candidates"))!
    expect(problem.problem).toContain("no language profile for xyz")
    expect(problem.expected).toContain("acervo langid train")
    await expectNothingRegistered(home)
  })

  it("refuses a path that does not exist and names it", async () => {
    const home = tempDir()
    const dir = copyBatch("universidad-udhr")
    const manifest = JSON.parse(readFileSync(join(dir, "batch.json"), "utf8"))
    manifest.documents[1].path = "no-existe.md"
    writeFileSync(join(dir, "batch.json"), JSON.stringify(manifest))
    const error = Either.getLeft(await submitIn(home, dir)).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(error.problems).toEqual([expect.objectContaining({ code: "path-missing", path: "$.documents[1].path", problem: '"no-existe.md" does not exist in the batch', fatal: true })])
    await expectNothingRegistered(home)
  })

  it("refuses batch.json that is not JSON, with the line and column", async () => {
    const home = tempDir()
    const dir = copyBatch("universidad-udhr")
    writeFileSync(join(dir, "batch.json"), '{\n  "format": "acervo-batch/1",\n  "institution": "universidad-demo",,\n}')
    const error = Either.getLeft(await submitIn(home, dir)).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(error.problems[0]).toMatchObject({ code: "json-invalid", file: "batch.json", path: expect.stringMatching(/^line 3, column \d+$/) })
    await expectNothingRegistered(home)
  })

  it("refuses a truncated gzip document file", async () => {
    const home = tempDir()
    const dir = copyBatch("rapanui-kieviet")
    const file = join(dir, "oraciones.jsonl.gz")
    truncateSync(file, Math.floor(statSync(file).size / 2))
    const error = Either.getLeft(await submitIn(home, dir)).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(error.problems).toEqual([expect.objectContaining({ file: "oraciones.jsonl.gz", problem: expect.stringContaining("truncated") })])
    await expectNothingRegistered(home)
  })

  it("warns, without refusing, about documents the gate will exclude", async () => {
    const home = tempDir()
    const result = Either.getOrThrow(await submitIn(home, join(sampleBatches, "comunidad-restringido")))
    expect(result.warnings).toEqual([expect.objectContaining({ path: "$.documents[1].consent", fatal: false })])
  })

  it("refuses new content under an id the institution already used", async () => {
    const home = tempDir()
    const dir = copyBatch("universidad-udhr")
    Either.getOrThrow(await submitIn(home, dir))
    writeFileSync(join(dir, "preambulo.md"), "# Preámbulo\n\nOtra edición.\n", { flag: "w" })
    const error = Either.getLeft(await submitIn(home, dir)).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(error.problems).toEqual([expect.objectContaining({ path: "$.id", expected: expect.stringContaining("fondo-ddhh-01-v2") })])
    expect(await registered(home)).toHaveLength(1)
  })

  it("refuses --institution that disagrees with batch.json", async () => {
    const home = tempDir()
    const error = Either.getLeft(await submitIn(home, join(sampleBatches, "universidad-udhr"), "otra-institucion")).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(error.problems[0]).toMatchObject({ path: "$.institution" })
    await expectNothingRegistered(home)
  })
})

describe("hostile archives", () => {
  const refusal = async (archive: string) => {
    const home = tempDir()
    const result = await submitIn(home, archive)
    await expectNothingRegistered(home)
    const error = Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : undefined))
    expect(error?._tag).toBe("ArchiveRefused")
    return error!.message
  }

  it("refuses a zip entry that escapes the batch folder (zip slip)", async () => {
    const out = join(tempDir(), "slip.zip")
    await zipOf([{ name: "b/batch.json", data: readFileSync(join(sampleBatches, "universidad-udhr", "batch.json")) }, { name: "xx/evil.txt", data: Buffer.from("pwned") }], out)
    const bytes = readFileSync(out)
    writeFileSync(out, Buffer.from(bytes.toString("latin1").replaceAll("xx/evil.txt", "../evil.txt"), "latin1"))
    expect(await refusal(out)).toMatch(/leaves the batch folder/)
  })

  it("refuses a zip bomb by its expansion ratio before writing it", async () => {
    const out = join(tempDir(), "bomb.zip")
    await zipOf([{ name: "b/batch.json", data: readFileSync(join(sampleBatches, "universidad-udhr", "batch.json")) }, { name: "b/zeros.txt", data: Buffer.alloc(40 * 1024 * 1024) }], out)
    expect(statSync(out).size).toBeLessThan(1024 * 1024)
    expect(await refusal(out)).toMatch(/zip bomb/)
  })

  it("refuses a tar holding a symbolic link", async () => {
    const dir = copyBatch("universidad-udhr")
    symlinkSync("/etc/passwd", join(dir, "passwd.txt"))
    const out = await tarGz(dir, join(tempDir(), "link.tar.gz"))
    expect(await refusal(out)).toMatch(/symbolic link/)
  })

  it("refuses a truncated archive", async () => {
    const out = await tarGz(join(sampleBatches, "avenue-transcripts"), join(tempDir(), "cut.tar.gz"))
    truncateSync(out, Math.floor(statSync(out).size / 2))
    expect(await refusal(out)).toMatch(/damaged or truncated/)
  })

  it("refuses a gzip that is not an archive", async () => {
    const out = join(tempDir(), "plain.tar.gz")
    mkdirSync(join(out, ".."), { recursive: true })
    writeFileSync(out, gzipSync("just some text, not a tar"))
    expect(await refusal(out)).toMatch(/archive/)
  })
})

describe("BagIt bags", () => {
  const bagFixture = (name: string) => join(fixtureDir, name)
  const fixtureDir = join(sampleBatches, "..", "..", "..", "test", "fixtures", "formats", "bagit")

  /** Wraps a sample batch into a bag whose data/ is the batch, as an archive's bagging tool would. */
  const makeBag = (batch: string, extraInfo: Record<string, string> = {}) => {
    const bag = join(tempDir(), `${batch}-bag`)
    mkdirSync(bag)
    cpSync(join(sampleBatches, batch), join(bag, "data"), { recursive: true })
    const files: Array<string> = []
    const walk = (d: string, prefix: string) => {
      for (const n of readdirSync(d).sort()) {
        const full = join(d, n)
        if (statSync(full).isDirectory()) walk(full, `${prefix}${n}/`)
        else files.push(`${prefix}${n}`)
      }
    }
    walk(join(bag, "data"), "data/")
    const bytes = files.reduce((n, f) => n + statSync(join(bag, f)).size, 0)
    for (const algorithm of ["sha256", "md5"]) {
      writeFileSync(join(bag, `manifest-${algorithm}.txt`), files.map((f) => `${createHash(algorithm).update(readFileSync(join(bag, f))).digest("hex")}  ${f}`).join("\n") + "\n")
    }
    writeFileSync(join(bag, "bagit.txt"), "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    const info = { "Source-Organization": "Universidad Demo", "External-Identifier": "UD-2026-17", "Payload-Oxum": `${bytes}.${files.length}`, ...extraInfo }
    writeFileSync(join(bag, "bag-info.txt"), Object.entries(info).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n")
    const tags = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-md5.txt"]
    writeFileSync(join(bag, "tagmanifest-sha256.txt"), tags.map((f) => `${createHash("sha256").update(readFileSync(join(bag, f))).digest("hex")} ${f}`).join("\n") + "\n")
    return bag
  }

  it("verifies the fixity of real bags: several manifests, BagIt 1.0, UTF-16 tag files", async () => {
    const multi = await verifyBag(bagFixture("gobagit-valid-multi-manifests"))
    expect(multi.problems).toEqual([])
    expect(multi.info).toMatchObject({ version: "0.97", algorithms: ["sha256", "sha512"], payloadFiles: 1, fields: { "Payload-Oxum": "20.1" } })
    expect((await verifyBag(bagFixture("loc-conformance-v1.0-basicBag"))).problems).toEqual([])
    const utf16 = await verifyBag(bagFixture("loc-conformance-v0.97-utf16-tag-files"))
    expect(utf16.problems).toEqual([])
    expect(utf16.info.fields).toMatchObject({ "Contact-Name": "Chris Adams", "Payload-Oxum": "58.2" })
    expect(utf16.info.algorithms).toEqual(["md5"])
  })

  it("refuses a valid bag whose payload is not an acervo batch", async () => {
    const home = tempDir()
    const error = Either.getLeft(await submitIn(home, bagFixture("loc-conformance-v1.0-basicBag"))).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(error.problems).toEqual([expect.objectContaining({ file: "data/batch.json" })])
    await expectNothingRegistered(home)
  })

  it("registers a bag holding a batch, keeping bag-info fields, as a folder and as a .tar.gz", async () => {
    const home = tempDir()
    const bag = makeBag("universidad-udhr")
    const result = Either.getOrThrow(await submitIn(home, bag))
    expect(result).toMatchObject({ status: "registered", institution: "universidad-demo", batchId: "fondo-ddhh-01", documents: 2 })
    const [row] = await registered(home)
    expect(JSON.parse(row!.bag_info_json!)).toMatchObject({ fields: { "Source-Organization": "Universidad Demo", "External-Identifier": "UD-2026-17" }, algorithms: ["md5", "sha256"] })
    const archived = Either.getOrThrow(await submitIn(home, await tarGz(bag, join(tempDir(), "bag.tar.gz"))))
    expect(archived.status).toBe("already-registered")
  })

  it("refuses a bag that fails fixity, naming the file, and one whose Payload-Oxum is wrong", async () => {
    const home = tempDir()
    const bag = makeBag("universidad-udhr")
    writeFileSync(join(bag, "data", "preambulo.md"), readFileSync(join(bag, "data", "preambulo.md"), "utf8").replace("libertad", "liberdad"))
    const error = Either.getLeft(await submitIn(home, bag)).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(error.problems.map((p) => [p.file, p.problem.split(":")[0]])).toEqual(
      expect.arrayContaining([["data/preambulo.md", "fails fixity"]])
    )
    expect(error.problems.every((p) => p.file === "data/preambulo.md")).toBe(true)
    const oxum = makeBag("universidad-udhr", { "Payload-Oxum": "1.1" })
    const oxumError = Either.getLeft(await submitIn(home, oxum)).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(oxumError.problems).toEqual([expect.objectContaining({ file: "bag-info.txt", problem: expect.stringContaining("Payload-Oxum is 1.1") })])
    await expectNothingRegistered(home)
  })

  it("refuses at submit a batch holding XML that declares entities", async () => {
    const home = tempDir()
    const dir = copyBatch("universidad-udhr")
    writeFileSync(join(dir, "carta.xml"), `<?xml version="1.0"?><!DOCTYPE TEI [<!ENTITY x SYSTEM "file:///etc/passwd">]><TEI><text><body><p>&x;</p></body></text></TEI>`)
    const manifest = JSON.parse(readFileSync(join(dir, "batch.json"), "utf8"))
    manifest.documents.push({ path: "carta.xml", id: "carta" })
    writeFileSync(join(dir, "batch.json"), JSON.stringify(manifest))
    const error = Either.getLeft(await submitIn(home, dir)).pipe((o) => (o._tag === "Some" ? o.value : undefined)) as BatchRejected
    expect(error.problems).toEqual([expect.objectContaining({ file: "carta.xml", problem: expect.stringContaining("XXE") })])
    await expectNothingRegistered(home)
  })
})
