/**
 * `npm run bench -- --patterns-only`: partner-supplied patterns (`reader.transcript.noise`) in RE2
 * (re2js) against JavaScript's RegExp. The speaker-transcript reader on the AVENUE transcripts with
 * the default noise pattern, as the built-in RegExp and as the same pattern given by a partner
 * (RE2), in MB/s; then catastrophic-backtracking patterns and the largest pattern the limits admit
 * on one 10 KB and one 1 MB line, which RE2 matches in linear time. RegExp is timed on those only
 * for short lines: it doubles per character.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { DocumentFields } from "../domain/batch-schema.ts"
import { table } from "../pipeline/status.ts"
import { checkPartnerPattern, MAX_PATTERN_LINE_CHARS, MAX_PATTERN_PROGRAM } from "../stages/ingest/partner-pattern.ts"
import type { FileToRead, IngestItem } from "../stages/ingest/reader.ts"
import { DEFAULT_NOISE, readSpeakerTranscript } from "../stages/ingest/readers/speaker-transcript.ts"
import { loadReferenceTexts } from "./reference-texts.ts"

const TARGET_BYTES = 12e6

const bestOf = async <A>(times: number, run: () => Promise<A> | A): Promise<{ ms: number; value: A }> => {
  let best = Infinity
  let value: A | undefined
  for (let i = 0; i < times; i++) {
    const t0 = performance.now()
    value = await run()
    best = Math.min(best, performance.now() - t0)
  }
  return { ms: best, value: value! }
}

const compiled = (source: string) => {
  const check = checkPartnerPattern(source)
  if (check._tag === "Invalid") throw new Error(`${source}: ${check.problem}`)
  return check.pattern
}

const texts = (items: ReadonlyArray<IngestItem>) => items.map((i) => (i._tag === "Document" ? i.document.text : `${i._tag}`)).join("\u0000")

export const benchPatterns = async (work: string) => {
  const dir = join(work, "patterns")
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const reference = await loadReferenceTexts()
  const one = reference.avenue.map((t) => t.raw).join("\n")
  const path = join(dir, "avenue-repeated.txt")
  writeFileSync(path, Array.from({ length: Math.ceil(TARGET_BYTES / Buffer.byteLength(one)) }, () => one).join("\n"))
  const bytes = statSync(path).size
  const file = (noise?: string): FileToRead => {
    const fields: DocumentFields = { reader: { transcript: { speakers: { M: "arn", C: "spa" }, ...(noise === undefined ? {} : { noise }) } } }
    return { fileId: 0, institution: "bench", batchId: "bench", batchSeq: 0, path, storedPath: path, sha256: "", bytes, documentId: undefined, fields, doneUnits: 0 }
  }
  const limits = { maxDocumentBytes: 4 * TARGET_BYTES, maxDepth: 256 }
  const mbps = (ms: number, of = bytes) => (of / 1e6 / (ms / 1000)).toFixed(1)

  const builtIn = await bestOf(3, () => readSpeakerTranscript(file(), limits))
  const partner = await bestOf(3, () => readSpeakerTranscript(file(DEFAULT_NOISE.source), limits))
  const lines = one.split(/\r\n|\r|\n/)
  const linesBytes = Buffer.byteLength(lines.join(""))
  const re2 = compiled(DEFAULT_NOISE.source)
  const jsOnly = await bestOf(5, () => lines.map((l) => l.replace(DEFAULT_NOISE, " ")))
  const re2Only = await bestOf(5, () => lines.map((l) => re2.replaceAll(l, " ")))

  const catastrophic: Array<Array<string>> = []
  const line = (unit: string, size: number, end = "") => unit.repeat(Math.floor((size - end.length) / unit.length)) + end
  // Each pattern on a line it does not match (what makes RegExp backtrack without end; RE2's DFA
  // answers it) and on one it matches at its end (RE2 then finds the match with its NFA, the slower path).
  const cases: ReadonlyArray<{ pattern: string; input: string; line: (size: number) => string }> = [
    { pattern: "(x+x+)+y", input: "x…x", line: (size) => line("x", size) },
    { pattern: "(x+x+)+y", input: "x…xy", line: (size) => line("x", size, "y") },
    { pattern: "(a+)+$", input: "a…ab", line: (size) => line("a", size, "b") },
    { pattern: "(a+)+$", input: "a…a", line: (size) => line("a", size) },
    { pattern: "(\\w+\\s?)+$", input: "palabra …!", line: (size) => line("palabra ", size, "!") },
    { pattern: `.{${MAX_PATTERN_PROGRAM - 3}}x`, input: "palabra …", line: (size) => line("palabra ", size) },
    { pattern: `.{${MAX_PATTERN_PROGRAM - 3}}x`, input: "palabra …x", line: (size) => line("palabra ", size, "x") }
  ]
  for (const c of cases) {
    const pattern = compiled(c.pattern)
    const row = [c.pattern, c.input]
    for (const size of [10_000, MAX_PATTERN_LINE_CHARS, 1_000_000]) {
      const input = c.line(size)
      const { ms } = await bestOf(size > 100_000 ? 1 : 3, () => pattern.replaceAll(input, " "))
      row.push(`${ms.toFixed(1)} ms (${mbps(ms, size)} MB/s)`)
    }
    catastrophic.push(row)
  }
  // RegExp on the same patterns, on lines short enough to finish: each character more doubles the time.
  const backtracking: Array<Array<string>> = []
  for (const [source, unit, end] of [["(x+x+)+y", "x", ""], ["(a+)+$", "a", "b"]] as const) {
    const row: Array<string> = [source]
    for (const n of [16, 20, 24]) {
      const input = unit.repeat(n) + end
      const { ms } = await bestOf(1, () => input.replace(new RegExp(source, "gi"), " "))
      row.push(`${ms.toFixed(1)} ms`)
    }
    backtracking.push(row)
  }
  rmSync(dir, { recursive: true, force: true })

  console.log(
    [
      "",
      `partner patterns: the speaker-transcript reader on ${(bytes / 1e6).toFixed(1)} MB of AVENUE transcripts (best of 3)`,
      table(
        ["noise pattern", "seconds", "MB/s"],
        [
          ["default, JavaScript RegExp (built in)", (builtIn.ms / 1000).toFixed(2), mbps(builtIn.ms)],
          ["default, as a partner's pattern (RE2, re2js)", (partner.ms / 1000).toFixed(2), mbps(partner.ms)]
        ]
      ),
      `same documents from both: ${texts(builtIn.value) === texts(partner.value) ? "yes" : "NO"}`,
      `noise removal alone on the transcripts' ${lines.length} lines: RegExp ${mbps(jsOnly.ms, linesBytes)} MB/s, RE2 ${mbps(re2Only.ms, linesBytes)} MB/s (×${(re2Only.ms / jsOnly.ms).toFixed(1)} the time)`,
      "",
      "catastrophic-backtracking patterns and the largest admitted program, RE2, one line:",
      table(["pattern", "line", "10 KB", `${MAX_PATTERN_LINE_CHARS / 1024} KB`, "1 MB"], catastrophic),
      `(the reader applies a partner's pattern to lines of at most ${MAX_PATTERN_LINE_CHARS / 1024} KB, and checks ACERVO_DOCUMENT_TIMEOUT_SECONDS between lines)`,
      "",
      "the same with JavaScript's RegExp, on lines of 16, 20 and 24 characters it does not match:",
      table(["pattern", "16", "20", "24"], backtracking)
    ].join("\n")
  )
}
