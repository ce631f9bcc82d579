import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, writeFileSync, ftruncateSync } from "node:fs"
import { join } from "node:path"
import Database from "better-sqlite3"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { processPending } from "../../pipeline/run.ts"
import { Batches } from "../../catalog/batches.ts"
import type { AcervoSettings } from "../../pipeline/config.ts"
import type { BatchProblem } from "../../pipeline/errors.ts"
import { resolveLicense } from "../../licenses/expression.ts"
import { defaultRegistry } from "../../licenses/partner-licenses.ts"
import { checkIsoDate } from "../../domain/dates.ts"
import { jsonShape } from "../../domain/json-shape.ts"
import { cli, STACK_LINE, tempDir, withApp } from "../helpers.ts"

const consent = { basis: "license", reference: "acuerdo-7", scope: ["pretraining"] }

/** A batch folder of small text files with `manifest` as its batch.json (a string is written as it is). */
const batchFolder = (manifest: object | string | Buffer, files: Record<string, string> = { "a.txt": "Un texto de prueba con palabras suficientes." }) => {
  const dir = join(tempDir(), "lote")
  mkdirSync(dir)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  writeFileSync(join(dir, "batch.json"), typeof manifest === "string" || Buffer.isBuffer(manifest) ? manifest : JSON.stringify(manifest))
  return dir
}

const manifest = (extra: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}) => ({
  format: "acervo-batch/1",
  institution: "archivo-prueba",
  id: "lote-1",
  defaults: { language: "spa", license: "CC-BY-4.0", consent, ...defaults },
  ...extra
})

const submitIn = (home: string, path: string, overrides: Partial<AcervoSettings> = {}, environment: Record<string, string> = {}) =>
  Effect.runPromise(withApp(home, overrides, environment)(Effect.either(submitBatch(path))))

/** The problems of a refused submit; fails the test if it was not refused as a batch. */
const refusal = async (home: string, path: string, overrides: Partial<AcervoSettings> = {}, environment: Record<string, string> = {}): Promise<ReadonlyArray<BatchProblem>> => {
  const result = await submitIn(home, path, overrides, environment)
  if (Either.isRight(result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.right)}`)
  expect(result.left._tag).toBe("BatchRejected")
  return (result.left as { problems: ReadonlyArray<BatchProblem> }).problems
}

const processIn = (home: string) => Effect.runPromise(withApp(home)(processPending) as Effect.Effect<{ kept: number; excluded: Record<string, number> }, unknown>)

const registered = (home: string) => Effect.runPromise(withApp(home)(Effect.flatMap(Batches, (c) => c.batches)))

/** What a refused submit must leave: no batch row, nothing stored, no staging. */
const expectNothingRegistered = async (home: string) => {
  expect(await registered(home)).toEqual([])
  for (const dir of ["batches", "staging"]) expect(existsSync(join(home, dir)) ? readdirSync(join(home, dir)) : []).toEqual([])
}

/** Refused with exactly these (code, path) pairs among its errors, nothing registered. */
const expectRefused = async (dir: string, expected: ReadonlyArray<[string, string]>, overrides: Partial<AcervoSettings> = {}) => {
  const home = tempDir()
  const problems = await refusal(home, dir, overrides)
  expect(problems.filter((p) => p.fatal).map((p) => [p.code, p.path])).toEqual(expected)
  for (const p of problems) expect(p.expected.length + p.problem.length).toBeGreaterThan(20)
  await expectNothingRegistered(home)
  return problems
}

const expectRegistered = async (dir: string, overrides: Partial<AcervoSettings> = {}) => {
  const home = tempDir()
  const result = await submitIn(home, dir, overrides)
  expect(Either.isRight(result) ? result.right.status : Either.getLeft(result)).toBe("registered")
  return home
}

describe("dates in batch.json", () => {
  it("refuses a consent expiry that names no day, however close to ISO 8601 it looks", async () => {
    for (const expires of ["2030-99-01", "2030-00-10", "2031-04-31", "2023-02-29", "2031-12-32", "31/12/2031", "2031", "2031-12", "2031-12-31T23:59:59", "2031-12-31T25:00Z", "2031-12-31T10:00+24:00", "soon"]) {
      const problems = await expectRefused(batchFolder(manifest({}, { consent: { ...consent, expires } })), [["date-invalid", "$.defaults.consent.expires"]])
      expect(problems[0]!.problem, expires).toContain(`"${expires}"`)
    }
  })

  it("says what is wrong with the date: the month, the day of a short month, a leap day, a missing offset", async () => {
    const problemOf = (expires: string) => {
      const checked = checkIsoDate(expires, "date-or-date-time")
      return checked._tag === "Invalid" ? checked.problem : "valid"
    }
    expect(problemOf("2030-99-01")).toContain("month 99")
    expect(problemOf("2031-04-31")).toContain("has 30 days")
    expect(problemOf("2023-02-29")).toContain("2023 is not a leap year")
    expect(problemOf("2031-12-31T23:59:59")).toContain("no offset")
    expect(problemOf("2031")).toContain("not a full date")
  })

  it("accepts real dates and date-times with an offset, leap days included, at the instant they name", async () => {
    for (const expires of ["2024-02-29", "2000-02-29", "2099-12-31", "2031-12-31T23:59:59Z", "2031-12-31T23:59:59.250-03:00", "2031-06-01T08:00+05:30"]) {
      await expectRegistered(batchFolder(manifest({}, { consent: { ...consent, expires } })))
    }
    const instant = (s: string) => (checkIsoDate(s, "date-or-date-time") as { epochMillis: number }).epochMillis
    expect(instant("2031-12-31T23:59:59.250-03:00")).toBe(Date.parse("2032-01-01T02:59:59.250Z"))
    expect(instant("2024-02-29")).toBe(Date.parse("2024-02-29T00:00:00Z"))
    expect(checkIsoDate("1900-02-29", "date-or-date-time")._tag).toBe("Invalid")
  })

  it("takes a creation date as a year, a month or a date, and nothing else", async () => {
    for (const created of ["1998", "1998-04", "1998-04-17", "0850"]) {
      await expectRegistered(batchFolder(manifest({ documents: [{ path: "a.txt", id: "a", created }] })))
    }
    for (const created of ["1998-13", "1998-02-30", "1998-04-17T10:00Z", "circa 1900", "98"]) {
      await expectRefused(batchFolder(manifest({ documents: [{ path: "a.txt", id: "a", created }] })), [["date-invalid", "$.documents[0].created"]])
    }
  })

  it("excludes a JSONL line whose expiry is not a date, and keeps the rest of the file", async () => {
    const home = tempDir()
    const lines = [
      { id: "bien", text: "Un texto de prueba que se lee bien y tiene palabras suficientes." },
      { id: "mal", text: "Otro texto de prueba que tiene palabras suficientes también.", consent: { ...consent, expires: "2030-99-01" } }
    ]
    const dir = batchFolder(manifest(), { "lineas.jsonl": lines.map((l) => JSON.stringify(l)).join("\n") + "\n" })
    Either.getOrThrow(await submitIn(home, dir))
    const summary = await processIn(home)
    expect(summary.kept).toBe(1)
    expect(summary.excluded).toEqual({ "invalid-record": 1 })
  })

  it("excludes at the gate, by name, an expiry a catalog registered before the check holds", async () => {
    const home = tempDir()
    Either.getOrThrow(await submitIn(home, batchFolder(manifest({}, { consent: { ...consent, expires: "2099-01-01" } }), { "a.txt": "Un texto de prueba con palabras suficientes para el lote.", "b.txt": "Otro texto distinto, con más palabras para que sea un documento." })))
    const db = new Database(join(home, "catalog.db"))
    // As the pattern-only check of earlier versions let it in.
    db.prepare("UPDATE files SET fields_json = replace(fields_json, '2099-01-01', '2030-99-01') WHERE path = 'a.txt'").run()
    db.close()
    const summary = await processIn(home)
    expect(summary.excluded).toEqual({ "consent-expiry-invalid": 1 })
    expect(summary.kept).toBe(1)
    const check = new Database(join(home, "catalog.db"), { readonly: true })
    const note = check.prepare("SELECT n.detail FROM notes n JOIN documents d USING (record_id) WHERE d.path = 'a.txt' AND n.kind = 'exclusion'").get() as { detail: string }
    check.close()
    expect(note.detail).toContain("month 99")
    expect(note.detail).toContain("treated as expired")
  })
})

describe("an ambiguous batch.json", () => {
  it("refuses a key named twice, at any depth, naming its JSON path", async () => {
    await expectRefused(batchFolder('{"format":"acervo-batch/1","institution":"archivo-prueba","institution":"otra-institucion","defaults":{"license":"CC0-1.0"}}'), [["json-duplicate-key", "$.institution"]])
    await expectRefused(
      batchFolder('{"format":"acervo-batch/1","institution":"archivo-prueba","documents":[{"path":"a.txt"},{"path":"a.txt","id":"x","id":"y"}]}'),
      [["json-duplicate-key", "$.documents[1].id"]]
    )
    await expectRefused(
      batchFolder('{"format":"acervo-batch/1","institution":"archivo-prueba","defaults":{"metadata":{"fondo":{"caja 3":{"n":1,"n":2}}}}}'),
      [["json-duplicate-key", '$.defaults.metadata.fondo["caja 3"].n']]
    )
  })

  it("sees the same key however it is escaped, and not across sibling objects", async () => {
    await expectRefused(batchFolder('{"format":"acervo-batch/1","institution":"archivo-prueba","\\u0069nstitution":"otra"}'), [["json-duplicate-key", "$.institution"]])
    await expectRegistered(batchFolder('{"format":"acervo-batch/1","institution":"archivo-prueba","defaults":{"license":"CC0-1.0","consent":{"basis":"license","reference":"r","scope":"pretraining"},"metadata":{"a":{"n":1},"b":{"n":1},"s":"{\\"n\\":1,\\"n\\":2}"}}}'))
  })

  it("refuses batch.json that is not UTF-8, naming the line and byte, instead of replacing the byte", async () => {
    const text = (bytes: Array<number>) => Buffer.concat([Buffer.from('{"format":"acervo-batch/1",\n"institution":"archivo-prueba",\n"title":"Caf'), Buffer.from(bytes), Buffer.from('"}')])
    for (const bytes of [[0xe9], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]]) {
      const problems = await expectRefused(batchFolder(text(bytes)), [["manifest-invalid-utf8", "line 3, byte 72"]])
      expect(problems[0]!.expected).toContain("UTF-8")
    }
    await expectRegistered(batchFolder(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(manifest({ title: "Café ñandú 🦙" })))])))
  })

  it("refuses control and format characters in document ids and paths, naming the character", async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ path: "a.txt", id: "carta\u202Etxt.exe" }, "$.documents[0].id", "U+202E RIGHT-TO-LEFT OVERRIDE"],
      [{ path: "a.txt", id: "carta\u0000" }, "$.documents[0].id", "U+0000 NUL"],
      [{ path: "a.txt", id: "ca\u200Brta" }, "$.documents[0].id", "U+200B ZERO WIDTH SPACE"],
      [{ path: "a.txt", id: "ca\u2066rta" }, "$.documents[0].id", "U+2066 LEFT-TO-RIGHT ISOLATE"],
      [{ path: "a.txt", id: "carta\uFEFF1" }, "$.documents[0].id", "U+FEFF"],
      [{ path: "a\u200D.txt", id: "a" }, "$.documents[0].path", "U+200D ZERO WIDTH JOINER"]
    ]
    for (const [entry, path, named] of cases) {
      const problems = await refusal(tempDir(), batchFolder(manifest({ documents: [entry] })))
      const problem = problems.find((p) => p.code === "control-character")!
      expect(problem, named).toMatchObject({ path, fatal: true })
      expect(problem.problem).toContain(named)
    }
    // The slug and the batch id admit no such character either.
    await expectRefused(batchFolder(manifest({ institution: "archivo\u202Eprueba" })), [["field-invalid", "$.institution"]])
    await expectRefused(batchFolder(manifest({ id: "lote\u200B1" })), [["field-invalid", "$.id"]])
  })

  it("refuses values past their documented limits, naming the path and the setting", async () => {
    const long = (n: number) => "x".repeat(n)
    let problems = await expectRefused(batchFolder(manifest({ documents: [{ path: "a.txt", id: "a", title: long(60) }] })), [["value-too-long", "$.documents[0].title"]], { maxTitleChars: 50 })
    expect(problems[0]!.problem).toContain("ACERVO_MAX_TITLE_CHARS")
    problems = await expectRefused(batchFolder(manifest({}, { metadata: { nota: long(200) } })), [["value-too-long", "$.defaults.metadata.nota"]], { maxFieldChars: 100 })
    expect(problems[0]!.problem).toContain("ACERVO_MAX_FIELD_CHARS")
    await expectRefused(batchFolder(manifest({ institution: long(65) })), [["field-invalid", "$.institution"]])
    await expectRefused(batchFolder(manifest({ documents: [{ path: "a.txt", id: long(257) }] })), [["value-too-long", "$.documents[0].id"]])
    await expectRefused(batchFolder(manifest({ documents: [{ path: "a.txt", id: "a" }, { path: "b.txt", id: "b" }, { path: "c.txt", id: "c" }] }), { "a.txt": "uno", "b.txt": "dos", "c.txt": "tres" }), [["batch-too-many-documents", "$.documents"]], { maxBatchDocuments: 2 })
    await expectRefused(batchFolder(manifest(), { "a.txt": "uno", "b.txt": "dos", "c.txt": "tres" }), [["batch-too-many-documents", ""]], { maxBatchDocuments: 2 })
    const metadata = { a: long(7000), b: long(7000), c: long(7000) }
    problems = await expectRefused(batchFolder(manifest({ documents: [{ path: "a.txt", id: "a" }, { path: "b.txt", id: "b", metadata }] }), { "a.txt": "uno", "b.txt": "dos" }), [["document-fields-too-large", "$.documents[1]"]])
    expect(problems[0]!.problem).toContain("ACERVO_MAX_DOCUMENT_FIELDS_BYTES")
    await expectRefused(batchFolder(manifest({}, { metadata }), { "a.txt": "uno", "b.txt": "dos", "c.txt": "tres" }), [["document-fields-too-large", "$.defaults"]])
    // defaults repeated for every file is what the catalog stores.
    await expectRefused(batchFolder(manifest({}, { metadata: { nota: long(900) } }), { "a.txt": "uno", "b.txt": "dos", "c.txt": "tres" }), [["batch-fields-too-large", "$.defaults"]], { maxBatchFieldsBytes: 3000 })
    await expectRegistered(batchFolder(manifest({}, { metadata: { nota: long(900) } }), { "a.txt": "uno", "b.txt": "dos" }), { maxBatchFieldsBytes: 3000 })
  })

  it("takes the limits from ACERVO_MAX_… settings, and says how many more values are over", async () => {
    const home = tempDir()
    const documents = Array.from({ length: 30 }, (_, i) => ({ path: "a.txt", id: `d${i}`, title: "x".repeat(40) }))
    const problems = await refusal(home, batchFolder(manifest({ documents })), {}, { ACERVO_MAX_TITLE_CHARS: "20", ACERVO_MAX_BATCH_DOCUMENTS: "10" })
    expect(problems.filter((p) => p.code === "batch-too-many-documents")).toHaveLength(1)
    const tooLong = problems.filter((p) => p.code === "value-too-long")
    expect(tooLong).toHaveLength(21)
    expect(tooLong.at(-1)!.problem).toContain("10 more")
    await expectNothingRegistered(home)
  })

  it("checks the size of batch.json before reading it", async () => {
    const dir = batchFolder(manifest())
    // A sparse file of 2 GiB: read whole, it would not fit in memory.
    const fd = openSync(join(dir, "batch.json"), "r+")
    ftruncateSync(fd, 2 * 1024 * 1024 * 1024)
    closeSync(fd)
    const problems = await expectRefused(dir, [["manifest-too-large", ""]])
    expect(problems[0]!.problem).toContain("ACERVO_MAX_BATCH_JSON_BYTES")
    await expectRefused(batchFolder(manifest({ title: "x".repeat(5000) })), [["manifest-too-large", ""]], { maxBatchJsonBytes: 4096 })
  })

  it("refuses a licence expression past ACERVO_MAX_LICENSE_CHARS, and parses long ones in linear time", async () => {
    const chain = (n: number) => Array.from({ length: n }, () => "CC-BY-4.0").join(" AND ")
    const problems = await expectRefused(batchFolder(manifest({}, { license: chain(100_000) })), [["license-too-long", "$.defaults.license"]])
    expect(problems[0]!.problem).toContain("ACERVO_MAX_LICENSE_CHARS")
    await expectRegistered(batchFolder(manifest({}, { license: chain(70) })))
    // Parsed all the same where an older catalog holds one: a chain and deep parentheses, no stack used per level.
    expect(resolveLicense(chain(100_000), defaultRegistry)).toMatchObject({ _tag: "Resolved", license: { use: "commercial", attribution: true } })
    expect(resolveLicense(`${"(".repeat(200_000)}MIT${")".repeat(200_000)}`, defaultRegistry)._tag).toBe("Resolved")
    expect(resolveLicense(`${"(".repeat(200_000)}MIT`, defaultRegistry)).toMatchObject({ _tag: "Invalid", detail: expect.stringContaining("never closed") })
  })

  it("resolves expressions as SPDX reads them: precedence, WITH, +, refs, and syntax errors", () => {
    const r = (e: string) => resolveLicense(e, defaultRegistry)
    expect(r("CC0-1.0 OR CC-BY-NC-4.0 AND CC-BY-NC-SA-4.0")).toMatchObject({ license: { use: "commercial", terms: ["CC0-1.0"] } })
    expect(r("(CC0-1.0 OR CC-BY-NC-4.0) AND CC-BY-NC-SA-4.0")).toMatchObject({ license: { use: "non-commercial", shareAlike: true, terms: ["CC0-1.0", "CC-BY-NC-SA-4.0"] } })
    expect(r("GPL-2.0+ WITH Classpath-exception-2.0")).toMatchObject({ license: { terms: ["GPL-2.0-or-later WITH Classpath-exception-2.0"] } })
    expect(r("mit and cc0-1.0")._tag).toBe("Invalid")
    expect(r("MIT and CC0-1.0")._tag).toBe("Resolved")
    expect(r("DocumentRef-x:LicenseRef-y OR MIT")).toMatchObject({ _tag: "Resolved" })
    for (const bad of ["", "MIT AND", "AND MIT", "(MIT", "MIT)", "MIT +", "MIT WITH MIT", "LicenseRef-", "MIT CC0-1.0", "MIT; CC0-1.0"]) expect(r(bad)._tag, bad).toBe("Invalid")
  })
})

describe("nesting", () => {
  const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`
  const withMetadata = (metadata: string) =>
    `{"format":"acervo-batch/1","institution":"archivo-prueba","defaults":{"license":"CC0-1.0","consent":{"basis":"license","reference":"r","scope":"pretraining"},"metadata":${metadata}}}`

  it("refuses batch.json nested past ACERVO_MAX_JSON_DEPTH, 100,000 levels included, with the path where it goes too deep", async () => {
    const problems = await expectRefused(batchFolder(withMetadata(nested(100_000))), [["json-too-deep", `$.defaults.metadata${".a".repeat(62)}`]])
    expect(problems[0]!.problem).toContain("64 levels")
    await expectRefused(batchFolder(withMetadata(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)), [["json-too-deep", `$.defaults.metadata${"[0]".repeat(62)}`]])
  })

  it("accepts nesting up to the limit and refuses one level more", async () => {
    // The root and defaults are two levels; metadata's objects are the 3rd to the 64th.
    await expectRegistered(batchFolder(withMetadata(nested(62))))
    await expectRefused(batchFolder(withMetadata(nested(63))), [["json-too-deep", `$.defaults.metadata${".a".repeat(62)}`]])
    await expectRegistered(batchFolder(withMetadata(nested(63))), { maxJsonDepth: 65 })
  })

  it("refuses it on the command line with a refusal's exit code, never a stack overflow", async () => {
    const home = tempDir()
    const result = await cli(["submit", batchFolder(withMetadata(nested(100_000))), "--home", home])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("deeper than 64 levels")
    expect(result.stderr).not.toContain("internal error")
    expect(result.stderr).not.toMatch(STACK_LINE)
    expect(existsSync(join(home, "batches")) ? readdirSync(join(home, "batches")) : []).toEqual([])
  })

  it("excludes a JSONL line nested too deep, or naming a key twice, and reads the others", async () => {
    const home = tempDir()
    const ok = (id: string) => JSON.stringify({ id, text: `El documento ${id} tiene un texto de prueba con palabras suficientes.` })
    const lines = [ok("uno"), `{"id":"hondo","text":"hondo","metadata":${nested(100_000)}}`, ok("dos"), '{"id":"doble","text":"uno","text":"otro"}', ok("tres")]
    Either.getOrThrow(await submitIn(home, batchFolder(manifest(), { "lineas.jsonl": lines.join("\n") + "\n" })))
    const summary = await processIn(home)
    expect(summary.kept).toBe(3)
    expect(summary.excluded).toEqual({ "too-deep": 1, "duplicate-key": 1 })
    const db = new Database(join(home, "catalog.db"), { readonly: true })
    const details = db.prepare("SELECT n.code, n.detail FROM notes n WHERE n.kind = 'exclusion' ORDER BY n.code").all() as Array<{ code: string; detail: string }>
    db.close()
    expect(details[0]).toMatchObject({ code: "duplicate-key", detail: expect.stringContaining('"text" twice') })
    expect(details[1]).toMatchObject({ code: "too-deep", detail: expect.stringContaining("ACERVO_MAX_JSON_DEPTH") })
  })

  it("measures depth and duplicates in one pass that ignores brackets and keys inside strings", () => {
    expect(jsonShape('{"a":"[[[[{{{{","b":["{\\"a\\":1}"]}', 3)).toEqual({ tooDeep: undefined, duplicateKeys: [] })
    expect(jsonShape('[{"x":[1,{"y":{}}]}]', 4).tooDeep).toEqual({ path: "$[0].x[1].y" })
    expect(jsonShape('[{"k":1},{"k":1,"k\\\\":2,"k":3}]', 10).duplicateKeys).toEqual([{ path: "$[1].k", key: "k" }])
  })
})

describe("file names that are not text", () => {
  const nameBytes = (...parts: Array<string | Array<number>>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))))

  const withRawFile = (name: Buffer, under = "") => {
    const dir = batchFolder(manifest())
    mkdirSync(join(dir, under), { recursive: true })
    writeFileSync(Buffer.concat([Buffer.from(`${join(dir, under)}/`), name]), "Un texto con un nombre de archivo que no es UTF-8.")
    return dir
  }

  it("refuses a name that is not UTF-8, showing its bytes, instead of an internal error", async () => {
    let problems = await expectRefused(withRawFile(nameBytes("f", [0xff], ".txt")), [["name-invalid-utf8", ""]])
    expect(problems[0]).toMatchObject({ file: "f\\xFF.txt", expected: expect.stringContaining("rename it") })
    problems = await expectRefused(withRawFile(nameBytes("acta-", [0xe9], "poca.txt"), "textos/1998"), [["name-invalid-utf8", ""]])
    expect(problems[0]!.file).toBe("textos/1998/acta-\\xE9poca.txt")
  })

  it("refuses a folder whose name is not UTF-8, without looking inside it", async () => {
    const dir = batchFolder(manifest())
    const folder = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x63, 0xe1, 0x6a, 0x61])])
    mkdirSync(folder)
    writeFileSync(Buffer.concat([folder, Buffer.from("/dentro.txt")]), "texto")
    const problems = await expectRefused(dir, [["name-invalid-utf8", ""]])
    expect(problems[0]!.file).toBe("c\\xE1ja")
  })

  it("refuses names with control or format characters, printed escaped", async () => {
    for (const [name, shown] of [["carta\u202Etxt.exe", "carta\\u{202E}txt.exe"], ["dos\nlineas.txt", "dos\\u{A}lineas.txt"], ["ce\u200Bro.txt", "ce\\u{200B}ro.txt"]] as const) {
      const problems = await expectRefused(withRawFile(Buffer.from(name)), [["name-control-character", ""]])
      expect(problems[0]!.file).toBe(shown)
    }
  })

  it("refuses them on the command line and in a bag with a refusal's exit code", async () => {
    const dir = withRawFile(nameBytes("f", [0xff], ".txt"))
    const home = tempDir()
    const result = await cli(["submit", dir, "--home", home])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("f\\xFF.txt")
    expect(result.stderr).not.toContain("internal error")
    const bag = join(tempDir(), "bolsa")
    mkdirSync(join(bag, "data"), { recursive: true })
    writeFileSync(join(bag, "bagit.txt"), "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    writeFileSync(join(bag, "manifest-sha256.txt"), "")
    writeFileSync(join(bag, "data", "batch.json"), JSON.stringify(manifest()))
    writeFileSync(Buffer.concat([Buffer.from(`${bag}/data/`), nameBytes("f", [0xff], ".txt")]), "texto")
    const problems = await refusal(home, bag)
    expect(problems.map((p) => [p.code, p.file])).toEqual([["name-invalid-utf8", "data/f\\xFF.txt"]])
    await expectNothingRegistered(home)
  })
})
