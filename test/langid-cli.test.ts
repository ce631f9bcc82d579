import { describe, expect, it } from "vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cli, fixture, projectRoot, STACK_LINE, tempDir } from "./helpers.ts"

const devLines = readFileSync(join(projectRoot, "corpora", "langid", "dev.jsonl"), "utf8").trim().split("\n")
/** Every 25th segment of the development set: all languages, all lengths. */
const sample = devLines.filter((_, i) => i % 25 === 0).map((l) => JSON.parse(l) as { text: string; lang: string })

describe("acervo langid", () => {
  it("--jsonl reads a text a line and writes lang, score and langs a line, in order", async () => {
    const input = sample.map((d) => JSON.stringify({ text: d.text })).join("\n") + "\n"
    const r = await cli(["langid", "--jsonl", "-"], { input })
    expect(r.code, r.stderr).toBe(0)
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l))
    expect(out).toHaveLength(sample.length)
    for (const o of out) expect(Object.keys(o).sort()).toEqual(["lang", "langs", "score"])
    const long = sample.map((d, i) => ({ d, o: out[i] })).filter(({ d }) => d.text.length > 50 && ["rap", "arn", "spa", "por"].includes(d.lang))
    expect(long.length).toBeGreaterThan(30)
    expect(long.filter(({ d, o }) => o.lang === d.lang).length / long.length).toBeGreaterThan(0.9)
  })

  it("gives the same answers from worker threads as from one thread", async () => {
    const file = join(tempDir(), "in.jsonl")
    writeFileSync(file, sample.map((d) => JSON.stringify({ text: d.text })).join("\n") + "\n")
    const one = await cli(["langid", "--jsonl", file, "--workers", "0"])
    const two = await cli(["langid", "--jsonl", file, "--workers", "2"])
    expect(one.code, one.stderr).toBe(0)
    expect(two.code, two.stderr).toBe(0)
    expect(two.stdout).toBe(one.stdout)
  }, 60_000)

  it("names the line and the fix for a bad JSONL line, without a stack trace", async () => {
    const r = await cli(["langid", "--jsonl", "-"], { input: '{"text": "Iñche tañi üy"}\n{"texto": 3}\n' })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/standard input, line 2: .*each line must be a JSON object with a "text" string/)
    expect(r.stderr).not.toMatch(STACK_LINE)
  })

  it("eval reports precision, recall and F1 by length bucket, a confusion matrix and the targets", async () => {
    const file = join(tempDir(), "dev.jsonl")
    writeFileSync(file, sample.map((d) => JSON.stringify(d)).join("\n") + "\n")
    const r = await cli(["langid", "eval", file, "--json"])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.segments).toBe(sample.length)
    expect(Object.keys(report.confusion).sort()).toEqual(["21–50", "51–200", ">200", "≤20"].sort())
    expect(report.scores[">20"].rap.f1).toBeGreaterThan(0.9)
    const text = await cli(["langid", "eval", file])
    expect(text.stdout).toContain("confusion, 21–50 characters")
    expect(text.stdout).toContain("rap F1 >20")
  })

  it("train builds a profile from reference text, and refuses too little text", async () => {
    const out = tempDir()
    const r = await cli(["langid", "train", "--lang", "rap", "--out", out, fixture("kieviet-60.txt")])
    expect(r.code, r.stderr).toBe(0)
    const profile = JSON.parse(readFileSync(join(out, "rap.json"), "utf8"))
    expect(profile).toMatchObject({ format: "acervo-langid-profile/1", lang: "rap", license: "CC-BY-4.0" })
    expect(profile.trigrams.split("|")).toHaveLength(300)
    const tiny = join(tempDir(), "tiny.txt")
    writeFileSync(tiny, "ꞌai\n")
    const bad = await cli(["langid", "train", "--lang", "rap", "--out", out, tiny])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/too little text for rap/)
  })

  it("refuses an unknown candidate, naming how to build its profile", async () => {
    const r = await cli(["langid", "--candidates", "spa,xyz", "-"], { input: "Hola" })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/no language profile for xyz.*acervo langid train/)
  })
})
