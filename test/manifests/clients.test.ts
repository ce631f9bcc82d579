import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import type { Manifest } from "../../manifests/manifest.ts"
import { verifyRelease } from "../../manifests/verify.ts"
import { multilingualRelease } from "./release-fixture.ts"
import { parse } from "yaml"
import { cardConfigs } from "../../manifests/card.ts"

type Row = Record<string, unknown>

/** DuckDB's values as plain JSON values: BIGINT as numbers, lists and structs as arrays and objects. */
const plain = (value: unknown): unknown => {
  if (typeof value === "bigint") return Number(value)
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  return value
}

const query = async (db: DuckDBConnection, sql: string): Promise<Array<Row>> => (await db.runAndReadAll(sql)).getRowObjectsJS().map((r) => plain(r) as Row)

const list = (paths: ReadonlyArray<string>) => `[${paths.map((p) => `'${p.replace(/'/g, "''")}'`).join(", ")}]`

describe("a release in DuckDB", () => {
  let dir = ""
  let manifest: Manifest
  let records = new Map<string, Row>()
  let db: DuckDBConnection
  const files = (format: "jsonl" | "parquet") => manifest.shards.filter((s) => s.format === format).map((s) => join(dir, s.path))

  beforeAll(async () => {
    const release = await multilingualRelease()
    dir = release.dir
    manifest = release.manifest
    for (const file of files("jsonl")) {
      for (const line of gunzipSync(readFileSync(file)).toString("utf8").split("\n")) {
        if (line) records.set((JSON.parse(line) as Row).id as string, JSON.parse(line) as Row)
      }
    }
    db = await (await DuckDBInstance.create(":memory:")).connect()
  }, 120_000)

  afterAll(() => db?.closeSync())

  it("is a multi-language release with the same records in JSON lines and Parquet, and verifies", async () => {
    expect(new Set(manifest.shards.map((s) => s.lang)).size).toBeGreaterThanOrEqual(4)
    expect(files("parquet").map((f) => f.replace(/\.parquet$/, ".jsonl.gz"))).toEqual(files("jsonl"))
    expect(records.size).toBe(manifest.totals.documents)
    const letter = [...records.values()].find((r) => (r.source as Row).institution === "archivo-cartas")!
    expect(letter).toMatchObject({ labels: ["TK-A"], pii: [{ type: "EMAIL", count: 1 }, { type: "PHONE", count: 1 }], created: null, created_text: "1987-03" })
    const report = await verifyRelease(dir, undefined)
    expect(report.mismatches).toEqual([])
  })

  it("reads every Parquet shard with the schema of the first, every value equal to the record's", async () => {
    // The first shard in path order holds no labels, PII or duplicates: its empty lists still carry their types.
    const first = gunzipSync(readFileSync(files("jsonl")[0]!)).toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as Row)
    expect(first.every((r) => (r.labels as Array<unknown>).length === 0 && (r.pii as Array<unknown>).length === 0)).toBe(true)
    const rows = await query(db, `SELECT * FROM read_parquet(${list(files("parquet"))}, union_by_name = false)`)
    expect(rows.length).toBe(records.size)
    for (const row of rows) expect(row).toEqual(records.get(row.id as string))
    const types = await query(db, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${files("parquet")[0]}')`)
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
      lang_score: "DOUBLE",
      langs: 'STRUCT(lang VARCHAR, "share" DOUBLE)[]',
      labels: "VARCHAR[]",
      pii: 'STRUCT("type" VARCHAR, count BIGINT)[]',
      cluster_size: "BIGINT",
      created: "VARCHAR",
      tokens: "BIGINT"
    })
  })

  it("reads every JSON-lines shard with the Parquet schema, every value equal to the record's", async () => {
    const types = await query(db, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${files("parquet")[0]}')`)
    const columns = `{${types.map((t) => `'${t.column_name}': '${String(t.column_type).replace(/'/g, "''")}'`).join(", ")}}`
    const rows = await query(db, `SELECT * FROM read_json(${list(files("jsonl"))}, format = 'newline_delimited', columns = ${columns})`)
    expect(rows.length).toBe(records.size)
    for (const row of rows) expect(row).toEqual(records.get(row.id as string))
  })

  it("infers from any one JSON-lines shard a fraction as a float and shares and counts as lists of pairs", async () => {
    const multilingual = [...records.values()].find((r) => (r.langs as Array<unknown>).length > 1)!
    for (const file of files("jsonl")) {
      const rows = await query(db, `SELECT lang_score, langs FROM read_json('${file}', format = 'newline_delimited')`)
      const types = await query(db, `SELECT column_name, column_type FROM (DESCRIBE SELECT lang_score, langs, cluster_size FROM read_json('${file}', format = 'newline_delimited'))`)
      expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type])), file).toEqual({ lang_score: "DOUBLE", langs: 'STRUCT(lang VARCHAR, "share" DOUBLE)[]', cluster_size: "BIGINT" })
      expect(rows.length).toBeGreaterThan(0)
    }
    // A share of 1 is written 1.0, so a shard of monolingual texts does not make `share` an integer.
    expect(multilingual.langs).toEqual(expect.arrayContaining([expect.objectContaining({ share: expect.any(Number) })]))
  })

  it("has a dataset card whose configs list exactly the shards of each profile and language, with every field's type", () => {
    const card = readFileSync(join(dir, "README.md"), "utf8")
    const header = parse(card.split("\n---\n")[0]!.replace(/^---\n/, "")) as {
      configs: Array<{ config_name: string; default?: boolean; data_files: Array<{ split: string; path: string }> }>
      dataset_info: Array<{ config_name: string; features: Array<{ name: string }>; splits: Array<{ num_examples: number }> }>
      language: Array<string>
    }
    const parquet = manifest.shards.filter((s) => s.format === "parquet")
    const expected = [...new Set(parquet.map((s) => s.profile))].flatMap((p) => [p, ...[...new Set(parquet.filter((s) => s.profile === p).map((s) => s.lang))].sort().map((l) => `${p}-${l}`)])
    expect(header.configs.map((c) => c.config_name).sort()).toEqual(expected.sort())
    expect(header.configs[0]).toMatchObject({ config_name: "open", default: true })
    const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.]/g, "\\.").replace(/\*/g, "[^/]*")}$`)
    for (const config of header.configs) {
      const [profile, lang] = config.config_name.split("-")
      const matched = parquet.filter((s) => glob(config.data_files[0]!.path).test(s.path)).map((s) => s.path)
      expect(matched, config.config_name).toEqual(parquet.filter((s) => s.profile === profile && (!lang || s.lang === lang)).map((s) => s.path))
      const info = header.dataset_info.find((i) => i.config_name === config.config_name)!
      expect(info.splits[0]!.num_examples).toBe(matched.reduce((n, p) => n + parquet.find((s) => s.path === p)!.documents, 0))
      expect(info.features.map((f) => f.name)).toEqual(Object.keys([...records.values()][0]!))
    }
    expect(cardConfigs(manifest).map((c) => c.name)).toEqual(header.configs.map((c) => c.config_name))
    expect(header.language).toEqual(expect.arrayContaining(["es", "pt", "arn", "rap"]))
    expect(card).toContain("ATTRIBUTION.md")
    expect(card).toContain("tombstones.jsonl")
  })
})
