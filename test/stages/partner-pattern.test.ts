import { Chunk, Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import { checkPartnerPattern, MAX_PATTERN_CHARS, MAX_PATTERN_LINE_CHARS, MAX_PATTERN_PROGRAM } from "../../stages/ingest/partner-pattern.ts"
import { readerFor } from "../../stages/ingest/readers/index.ts"
import type { FileToRead } from "../../stages/ingest/reader.ts"
import { tempDir } from "../helpers.ts"

const transcript = async (lines: ReadonlyArray<string>, noise?: string, documentTimeoutSeconds = 60) => {
  const storedPath = join(tempDir(), "entrevista.txt")
  writeFileSync(storedPath, lines.join("\n") + "\n")
  const fields: DocumentFields = { reader: { transcript: { speakers: { M: "arn", C: "spa" }, ...(noise === undefined ? {} : { noise }) } } }
  const file: FileToRead = {
    fileId: 1, institution: "archivo-demo", batchId: "b", batchSeq: 1, path: "entrevista.txt", storedPath,
    sha256: "", bytes: statSync(storedPath).size, documentId: undefined, fields, doneUnits: 0
  }
  const items = await Effect.runPromise(Stream.runCollect(readerFor(file.path, fields.reader)!.read(file, { maxDocumentBytes: 16 * 1024 * 1024, maxDepth: 256, documentTimeoutSeconds })).pipe(Effect.map(Chunk.toArray)))
  return {
    texts: Object.fromEntries(items.flatMap((i) => (i._tag === "Document" ? [[i.document.fields.language!, i.document.text]] : []))),
    rejected: items.flatMap((i) => (i._tag === "Rejected" ? [i.reason] : []))
  }
}

const problemOf = (source: string) => {
  const check = checkPartnerPattern(source)
  return check._tag === "Invalid" ? check : undefined
}

describe("partner-supplied patterns", () => {
  it("compiles catastrophic-backtracking patterns for a matcher that takes linear time, and refuses what RE2 has not", () => {
    expect(checkPartnerPattern("(a+)+$")._tag).toBe("Valid")
    expect(checkPartnerPattern("(x+x+)+y")._tag).toBe("Valid")
    expect(checkPartnerPattern("<(?:uh|hm|Risas)>")._tag).toBe("Valid")
    expect(problemOf("<(?!uh)\\w+>")).toMatchObject({ problem: expect.stringContaining("(?!"), fix: expect.stringContaining("lookahead, lookbehind or backreferences") })
    expect(problemOf("(?<=M: )<uh>")!.fix).toContain("lookbehind")
    expect(problemOf("(a+)\\1")).toMatchObject({ problem: expect.stringContaining("\\1"), fix: expect.stringContaining("backreferences") })
    expect(problemOf("<\\u00e9>")!.fix).toContain("\\x{00E9}")
    expect(problemOf("<(uh>")).toMatchObject({ problem: expect.stringContaining("missing closing )"), fix: expect.stringContaining("RE2 syntax") })
    expect(problemOf("<(uh>")!.problem).not.toContain("(?i)")
  })

  it("refuses a pattern over the length or size limit, and one that matches the empty text", () => {
    expect(problemOf(`<(?:${"uh|".repeat(200)}hm)>`)).toMatchObject({ problem: expect.stringContaining(`over the limit of ${MAX_PATTERN_CHARS}`) })
    expect(problemOf(".{600}x")).toMatchObject({ problem: expect.stringContaining(`over the limit of ${MAX_PATTERN_PROGRAM}`) })
    expect(checkPartnerPattern(".{100}x")._tag).toBe("Valid")
    expect(problemOf("x*")).toMatchObject({ problem: expect.stringContaining("matches the empty text") })
    expect(problemOf("")).toMatchObject({ problem: expect.stringContaining("matches the empty text") })
  })

  it("removes noise with a catastrophic pattern on long lines, where a backtracking RegExp would not finish", async () => {
    // With `new RegExp(noise, "gi")` each of these lines takes longer than the universe has left.
    const { texts, rejected } = await transcript(
      ["M: mari mari xxxxy lamngen", `M: kuifi ${"x".repeat(30_000)}`, "C: hola XXY amiga"],
      "(x+x+)+y"
    )
    expect(rejected).toEqual([])
    expect(texts["arn"]).toBe(`mari mari lamngen\nkuifi ${"x".repeat(30_000)}`)
    expect(texts["spa"]).toBe("hola amiga")
    const anchored = await transcript(["M: chaw aaaaa", `M: chaw ${"a".repeat(30_000)}b`], "(a+)+$")
    expect(anchored.texts["arn"]).toBe(`chaw\nchaw ${"a".repeat(30_000)}b`)
  })

  it("keeps the default noise marks and annotated words as before, and reads a line of unclosed marks", async () => {
    const { texts } = await transcript(["M: <uh> mari <Noise> <!2kuifi> <*SPA>hola <%> chaw", `C: ${"<!".repeat(40_000)}`])
    expect(texts["arn"]).toBe("mari kuifi hola chaw")
    expect(texts["spa"]).toBe("<!".repeat(40_000))
  })

  it("refuses a transcript that takes longer than the document timeout to read, naming the line and the setting", async () => {
    // Thousands of 1 KB lines under the largest pattern the limits admit: far more than a millisecond on any machine.
    const lines = Array.from({ length: 3000 }, (_, i) => `${i % 2 ? "C" : "M"}: ${"palabra ".repeat(125)}x`)
    const { texts, rejected } = await transcript(lines, `.{${MAX_PATTERN_PROGRAM - 3}}x`, 0.001)
    expect(texts).toEqual({})
    expect(rejected).toEqual([expect.objectContaining({ stage: "ingest", code: "timeout", detail: expect.stringMatching(/^reading took longer than 0\.001 s \(ACERVO_DOCUMENT_TIMEOUT_SECONDS\), stopped at line \d+ of 3001; the noise pattern/) })])
    const unbounded = await transcript(lines.slice(0, 20), `.{${MAX_PATTERN_PROGRAM - 3}}x`, 0)
    // The same matches as RegExp, which takes this pattern in time linear in the line too.
    const asRegExp = `${"palabra ".repeat(125)}x`.replace(new RegExp(`.{${MAX_PATTERN_PROGRAM - 3}}x`, "gi"), " ").replace(/\s+/g, " ").trim()
    expect(unbounded.texts["arn"]!.split("\n")).toEqual(Array.from({ length: 10 }, () => asRegExp))
  })

  it("applies a partner's pattern to lines up to the limit, and refuses a transcript with a longer turn", async () => {
    const long = `M: ${"kuifi ".repeat(Math.ceil(MAX_PATTERN_LINE_CHARS / 6)).trim()}`
    const refused = await transcript(["M: mari mari", long], "<uh>")
    expect(refused.rejected).toEqual([expect.objectContaining({ code: "line-too-long", detail: expect.stringContaining(`line 2 has ${long.length - 3} characters`) })])
    const atLimit = await transcript(["M: mari <UH> mari", `M: ${"k".repeat(MAX_PATTERN_LINE_CHARS)}`], "<uh>")
    expect(atLimit.texts["arn"]).toBe(`mari mari\n${"k".repeat(MAX_PATTERN_LINE_CHARS)}`)
    const withDefault = await transcript(["M: mari mari", long])
    expect(withDefault.rejected).toEqual([])
  })

  it("excludes a document whose stored pattern no longer compiles (a batch registered before the check)", async () => {
    const { texts, rejected } = await transcript(["M: mari"], "(?=x)")
    expect(texts).toEqual({})
    expect(rejected).toEqual([expect.objectContaining({ stage: "ingest", code: "pattern-invalid", detail: expect.stringContaining("reader.transcript.noise does not compile") })])
  })
})

describe("built-in reader patterns on lines of unclosed marks", () => {
  const read = async (name: string, body: string) => {
    const storedPath = join(tempDir(), name)
    writeFileSync(storedPath, body)
    const file: FileToRead = { fileId: 1, institution: "archivo-demo", batchId: "b", batchSeq: 1, path: name, storedPath, sha256: "", bytes: statSync(storedPath).size, documentId: undefined, fields: {}, doneUnits: 0 }
    const items = await Effect.runPromise(Stream.runCollect(readerFor(name)!.read(file, { maxDocumentBytes: 16 * 1024 * 1024, maxDepth: 256 })).pipe(Effect.map(Chunk.toArray)))
    return items.flatMap((i) => (i._tag === "Document" ? [i.document.text] : []))
  }

  // Each of these cues took the backtracking RegExps seconds (80 KB) to hours (megabytes).
  it("reads WebVTT and SRT cues of unclosed tags, voices and overrides, with markup still removed", async () => {
    const vtt = await read("entrevista.vtt", `WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v.loud\u00a0Ana María>hola <i>mundo</i> ${"<a".repeat(40_000)}\n\n00:00:04.000 --> 00:00:05.000\n${"<v ".repeat(30_000)}\n`)
    expect(vtt).toHaveLength(1)
    expect(vtt[0]!.replace(/^S-[0-9a-f]{6}: /, "")).toBe(`hola mundo ${"<a".repeat(40_000)} ${"<v ".repeat(30_000).trim()}`)
    const srt = await read("entrevista.srt", `1\n00:00:01,000 --> 00:00:03,000\n{\\an8}<b>kuifi</b> ${"{\\".repeat(40_000)}\n`)
    expect(srt).toEqual([`kuifi ${"{\\".repeat(40_000)}`])
  })
})
