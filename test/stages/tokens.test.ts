import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { writeRelease } from "../../pipeline/release.ts"
import { processPending } from "../../pipeline/run.ts"
import { statusReport } from "../../pipeline/status.ts"
import { verifyRelease } from "../../manifests/verify.ts"
import { documentFrom, type FileToRead } from "../../stages/ingest/reader.ts"
import { countTokens, tokensStage } from "../../stages/tokens/tokens.ts"
import { applyPure, sampleBatches, sampleBatchNames, tempDir, withApp } from "../helpers.ts"

const file: FileToRead = { fileId: 1, institution: "i", batchId: "b", batchSeq: 1, path: "a.txt", storedPath: "", sha256: "", bytes: 0, documentId: undefined, fields: {}, doneUnits: 0 }
const doc = (text: string) => documentFrom(file, { localId: text.slice(0, 8), line: 0, fields: {}, text, encoding: "utf-8", rawBytes: 0 })

describe("token counts", () => {
  it("counts o200k_base tokens, treats special-token text as text, and follows ACERVO_TOKENS_ENCODING", () => {
    const udhr = readFileSync(join(sampleBatches, "biblioteca-udhr", "textos", "es-00.txt"), "utf8")
    const [outcome] = applyPure(tokensStage, { encoding: "o200k_base" }, [doc(udhr)])
    const tokens = outcome!.document.annotations!["tokens"] as number
    // Spanish prose runs at roughly 4 to 5 characters a token in o200k_base.
    expect(udhr.length / tokens).toBeGreaterThan(3.5)
    expect(udhr.length / tokens).toBeLessThan(6)
    expect(countTokens("hola <|endoftext|> mundo")).toBeGreaterThan(3)
    expect(countTokens(udhr, "cl100k_base")).toBeGreaterThan(tokens)
  })

  it("writes tokens into every record, totals them in the manifest by language, profile and institution, shows them in status and verifies them", async () => {
    const home = tempDir()
    const out = tempDir()
    const app = withApp(home)
    const { manifest, dir, report } = await Effect.runPromise(
      app(
        Effect.gen(function* () {
          for (const n of sampleBatchNames) yield* submitBatch(join(sampleBatches, n))
          yield* processPending
          const release = yield* writeRelease({ name: "t", outDir: out, profiles: ["open", "noncommercial"] })
          return { ...release, report: yield* statusReport(undefined) }
        })
      ) as Effect.Effect<{ manifest: any; dir: string; report: any }, unknown>
    )
    const records = manifest.shards.filter((s: { format?: string }) => s.format === "jsonl").flatMap((s: { path: string }) =>
      gunzipSync(readFileSync(join(dir, s.path))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>)
    )
    expect(records.length).toBe(manifest.totals.documents)
    for (const r of records) {
      expect(Object.keys(r).at(-1)).toBe("tokens")
      expect(r["tokens"]).toBe(countTokens(r["text"] as string))
    }
    const total = records.reduce((n: number, r: Record<string, unknown>) => n + (r["tokens"] as number), 0)
    const t = manifest.totals.fields.tokens
    expect(t.total).toBe(total)
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0)
    expect([sum(t.by_language), sum(t.by_profile), sum(t.by_institution)]).toEqual([total, total, total])
    expect(t.by_language.arn).toBe(records.filter((r: Record<string, unknown>) => r["lang"] === "arn").reduce((n: number, r: Record<string, unknown>) => n + (r["tokens"] as number), 0))
    expect(sum(Object.fromEntries(Object.entries(report.languages).map(([l, v]: [string, any]) => [l, v.tokens])))).toBe(total)
    const croissant = JSON.parse(readFileSync(join(dir, "croissant.json"), "utf8"))
    expect(croissant.recordSet[0].field.find((f: { name: string }) => f.name === "tokens")).toMatchObject({ dataType: "sc:Integer" })
    const verified = await verifyRelease(dir, undefined)
    expect(verified.mismatches).toEqual([])
  })
})
