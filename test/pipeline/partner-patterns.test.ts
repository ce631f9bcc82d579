import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { Batches } from "../../catalog/batches.ts"
import type { BatchRejected } from "../../pipeline/errors.ts"
import { processPending } from "../../pipeline/run.ts"
import { writeRelease } from "../../pipeline/release.ts"
import { MAX_PATTERN_CHARS, MAX_PATTERN_PROGRAM } from "../../stages/ingest/partner-pattern.ts"
import { fixture, tempDir, withApp } from "../helpers.ts"

const speakers = { M: "arn", C: "spa" }

/** Lines on which a backtracking RegExp for `(x+x+)+y` or `(a+)+$` takes 2^40 steps. */
const catastrophic = [
  "M: mari mari xxxxy lamngen <uh> chumleymi",
  `M: kuifi ${"x".repeat(40)} rukan`,
  `C: hola ${"a".repeat(40)}b amigo`,
  "C: buenas tardes XXY señor aaaa"
]

/** A batch of two AVENUE speaker-labelled transcripts, the second with the lines above at its end. */
const transcriptBatch = (reader: { defaults?: string; second?: string }) => {
  const dir = join(tempDir(), "entrevistas")
  mkdirSync(join(dir, "t"), { recursive: true })
  writeFileSync(join(dir, "t", "avenue.txt"), readFileSync(fixture("avenue", "nmdch-nfbat2.raw-latin1.txt")))
  writeFileSync(join(dir, "t", "largas.txt"), Buffer.concat([readFileSync(fixture("avenue", "nmlch-lfjmcB2.raw-latin1.txt")), Buffer.from(`\n${catastrophic.join("\n")}\n`, "latin1")]))
  writeFileSync(join(dir, "batch.json"), JSON.stringify({
    format: "acervo-batch/1",
    institution: "archivo-oral",
    defaults: {
      license: "CC-BY-4.0",
      consent: { basis: "license", reference: "r", scope: ["pretraining"] },
      reader: { transcript: { speakers, ...(reader.defaults === undefined ? {} : { noise: reader.defaults }) } }
    },
    documents: [
      { path: "t/avenue.txt", id: "avenue" },
      { path: "t/largas.txt", id: "largas", ...(reader.second === undefined ? {} : { reader: { transcript: { speakers, noise: reader.second } } }) }
    ]
  }))
  return dir
}

const refusal = async (home: string, dir: string) => {
  const result = await Effect.runPromise(withApp(home)(Effect.either(submitBatch(dir))))
  if (Either.isRight(result)) throw new Error("the batch was registered")
  return result.left as BatchRejected
}

const expectNothingRegistered = async (home: string) => {
  expect(await Effect.runPromise(withApp(home)(Effect.flatMap(Batches, (c) => c.batches)))).toEqual([])
  for (const folder of ["batches", "staging"]) expect(existsSync(join(home, folder)) ? readdirSync(join(home, folder)) : []).toEqual([])
}

describe("partner patterns at submit", () => {
  it("refuses lookaround and backreferences with the JSON path, the construct and the fix, and registers nothing", async () => {
    const home = tempDir()
    const error = await refusal(home, transcriptBatch({ defaults: "<(?!Noise)\\w+>", second: "(<uh>)\\1" }))
    expect(error._tag).toBe("BatchRejected")
    const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p]))
    expect(byPath["$.defaults.reader.transcript.noise"]).toMatchObject({
      code: "pattern-invalid", file: "batch.json", fatal: true,
      problem: expect.stringContaining("(?!"),
      expected: expect.stringContaining("without lookahead, lookbehind or backreferences")
    })
    expect(byPath["$.documents[1].reader.transcript.noise"]).toMatchObject({ code: "pattern-invalid", problem: expect.stringContaining("\\1") })
    expect(error.message).toContain("nothing registered")
    await expectNothingRegistered(home)
  })

  it("refuses a pattern over the length limit, one too large compiled, and one that matches nothing but the empty text", async () => {
    const home = tempDir()
    const long = `<(?:${Array.from({ length: 120 }, (_, i) => `ruido${i}`).join("|")})>`
    const tooLong = await refusal(home, transcriptBatch({ second: long }))
    expect(tooLong.problems).toEqual([expect.objectContaining({ code: "pattern-invalid", path: "$.documents[1].reader.transcript.noise", problem: expect.stringContaining(`characters long, over the limit of ${MAX_PATTERN_CHARS}`) })])
    const tooLarge = await refusal(home, transcriptBatch({ defaults: "<.{900}>" }))
    expect(tooLarge.problems).toEqual([expect.objectContaining({ code: "pattern-invalid", path: "$.defaults.reader.transcript.noise", problem: expect.stringContaining(`instructions, over the limit of ${MAX_PATTERN_PROGRAM}`) })])
    const empty = await refusal(home, transcriptBatch({ defaults: "(?:<uh>)?" }))
    expect(empty.problems).toEqual([expect.objectContaining({ code: "pattern-invalid", problem: expect.stringContaining("matches the empty text") })])
    await expectNothingRegistered(home)
  })
})

describe("partner patterns in a run", () => {
  it("runs a batch whose noise pattern backtracks catastrophically in JavaScript, and removes the noise", async () => {
    const home = tempDir()
    const out = tempDir()
    const app = withApp(home)
    const dir = transcriptBatch({ defaults: "<(?:uh|uhm|Noise|%|Cough|Laugh|Breath)>|(x+x+)+y|(a+)+$" })
    const summary = await Effect.runPromise(app(Effect.gen(function* () {
      yield* submitBatch(dir)
      const processed = yield* processPending
      yield* writeRelease({ name: "r", outDir: out, profiles: ["open"] })
      return processed
    })) as Effect.Effect<{ documents: number; kept: number; excluded: Record<string, number> }, unknown>)
    expect(summary).toMatchObject({ documents: 4, kept: 4 })
    const manifest = JSON.parse(readFileSync(join(out, "r", "manifest.json"), "utf8")) as { shards: Array<{ path: string; format: string }> }
    const records = manifest.shards.filter((s) => s.format === "jsonl").flatMap((s) => gunzipSync(readFileSync(join(out, "r", s.path))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; text: string; source: { document: string } }))
    const text = (document: string) => records.find((r) => r.source.document === document)?.text
    const arn = text("largas#arn")!.split("\n")
    const spa = text("largas#spa")!.split("\n")
    expect(arn.slice(-2)).toEqual(["mari mari lamngen chumleymi", `kuifi ${"x".repeat(40)} rukan`])
    expect(spa.slice(-2)).toEqual([`hola ${"a".repeat(40)}b amigo`, "buenas tardes señor"])
    for (const document of ["avenue#arn", "avenue#spa", "largas#arn", "largas#spa"]) {
      expect(text(document)!.length).toBeGreaterThan(1000)
      expect(text(document)).not.toMatch(/<uh>|<Noise>|<%>/i)
    }
  })
})
