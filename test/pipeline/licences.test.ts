import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { SqlClient } from "@effect/sql"
import { loadReferenceTexts } from "../../bench/reference-texts.ts"
import { processPending } from "../../pipeline/run.ts"
import { licenseInFileName } from "../../stages/ingest/reader.ts"
import { tempDir, withApp } from "../helpers.ts"

const run = <A, E>(home: string, effect: Effect.Effect<A, E, any>) => Effect.runPromise(withApp(home)(effect) as Effect.Effect<A, unknown>)

describe("licence conflicts", () => {
  it("reads CC licences out of file names", () => {
    expect(licenseInFileName("audio/entrevista-03-cc-by-nc-nd-4-0.txt")).toBe("CC-BY-NC-ND-4.0")
    expect(licenseInFileName("x_CC-BY-SA_3.0.xml")).toBe("CC-BY-SA-3.0")
    expect(licenseInFileName("doc-cc0-1-0.txt")).toBe("CC0-1.0")
    expect(licenseInFileName("accidente-4-0.txt")).toBeUndefined()
  })

  it("flags files named cc-by-nc-nd in a collection declared CC-BY-NC-SA, and applies both licences", async () => {
    const texts = await loadReferenceTexts()
    const dir = join(tempDir(), "coleccion")
    mkdirSync(dir)
    writeFileSync(join(dir, "relato-01-cc-by-nc-nd-4-0.txt"), texts.eltec.spa.slice(0, 8).join("\n\n"))
    writeFileSync(join(dir, "relato-02-cc-by-nc-sa-4-0.txt"), texts.eltec.spa.slice(40, 48).join("\n\n"))
    writeFileSync(
      join(dir, "batch.json"),
      JSON.stringify({ format: "acervo-batch/1", institution: "aporte-publico", id: "c1", defaults: { language: "spa", license: "CC-BY-NC-SA-4.0", consent: { basis: "license", reference: "r", scope: ["pretraining"] } } })
    )
    const home = tempDir()
    await run(home, submitBatch(dir))
    await run(home, processPending)
    const rows = await run(
      home,
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ path: string; license: string; flags: string | null; profiles_json: string | null }>`SELECT d.path, d.license, d.profiles_json,
          (SELECT group_concat(code) FROM notes n WHERE n.record_id = d.record_id AND n.kind = 'flag') AS flags FROM documents d ORDER BY d.path`
      )
    )
    expect(rows[0]).toMatchObject({ path: "relato-01-cc-by-nc-nd-4-0.txt", flags: "license-conflict" })
    expect(rows[0]!.license).toContain("CC-BY-NC-ND-4.0")
    expect(rows[1]).toMatchObject({ path: "relato-02-cc-by-nc-sa-4-0.txt", flags: null, license: "CC-BY-NC-SA-4.0" })
    for (const r of rows) expect(JSON.parse(r.profiles_json ?? "[]")).not.toContain("open")
  })
})
