import { createReadStream } from "node:fs"
import { createInterface } from "node:readline"
import { createGunzip } from "node:zlib"
import { ParquetWriter, fileWriter } from "hyparquet-writer"
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type SchemaElement } from "hyparquet"
import type { Column, ColumnType } from "./columns.ts"

/** Row groups end at this many records or this many characters of text, whichever comes first: small enough to stream. */
export const ROW_GROUP_RECORDS = 1000
export const ROW_GROUP_CHARACTERS = 32 * 1024 * 1024

const leaf = (name: string, type: ColumnType & { kind: "string" | "integer" | "float" }, repetition: "REQUIRED" | "OPTIONAL"): SchemaElement =>
  type.kind === "string"
    ? { name, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" }, repetition_type: repetition }
    : type.kind === "integer"
      ? { name, type: "INT64", repetition_type: repetition }
      : { name, type: "DOUBLE", repetition_type: repetition }

/** The Parquet schema elements of one column, depth first; lists in the three-level form every reader takes. */
const elementsOf = (name: string, type: ColumnType): Array<SchemaElement> => {
  switch (type.kind) {
    case "list":
      return [
        { name, repetition_type: "REQUIRED", converted_type: "LIST", logical_type: { type: "LIST" }, num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        ...elementsOf("element", type.item)
      ]
    case "struct":
      return [{ name, repetition_type: type.nullable ? "OPTIONAL" : "REQUIRED", num_children: type.fields.length }, ...type.fields.flatMap((f) => elementsOf(f.name, f.type))]
    default:
      return [leaf(name, type, type.nullable ? "OPTIONAL" : "REQUIRED")]
  }
}

type Convert = (value: unknown) => unknown

/** A record's JSON value as hyparquet-writer takes it: INT64 as bigint, nested values walked. */
const converterOf = (type: ColumnType): Convert | undefined => {
  switch (type.kind) {
    case "integer":
      return (v) => (v === null || v === undefined ? null : BigInt(v as number))
    case "list": {
      const item = converterOf(type.item)
      return item ? (v) => (v as ReadonlyArray<unknown>).map(item) : undefined
    }
    case "struct": {
      const fields = type.fields.map((f) => [f.name, converterOf(f.type)] as const).filter((f): f is readonly [string, Convert] => f[1] !== undefined)
      if (fields.length === 0) return undefined
      return (v) => {
        if (v === null || v === undefined) return null
        const out = { ...(v as Record<string, unknown>) }
        for (const [name, convert] of fields) out[name] = convert(out[name])
        return out
      }
    }
    default:
      return undefined
  }
}

export const parquetSchema = (columns: ReadonlyArray<Column>): Array<SchemaElement> => [
  { name: "schema", num_children: columns.length },
  ...columns.flatMap((c) => elementsOf(c.name, c.type))
]

/**
 * Writes the Parquet twin of a `.jsonl.gz` shard: the same records in the same order, read back
 * from the JSON lines so that the two cannot disagree. Streams: at most a row group is in memory.
 * Snappy-compressed; hyparquet-writer writes no time or host into the file, so the same records
 * give the same bytes.
 */
export const writeParquetShard = async (jsonlGz: string, target: string, columns: ReadonlyArray<Column>): Promise<{ records: number }> => {
  const writer = new ParquetWriter({ writer: fileWriter(target), schema: parquetSchema(columns), codec: "SNAPPY", createdBy: "acervo (hyparquet-writer 0.17.0)" })
  const converters = columns.map((c) => converterOf(c.type))
  let rows: Array<Record<string, unknown>> = []
  let characters = 0
  let records = 0
  const flush = async () => {
    if (rows.length === 0) return
    const group = rows
    rows = []
    characters = 0
    await writer.write({ columnData: columns.map((c, i) => {
        const convert = converters[i]
        return { name: c.name, data: group.map((r) => (convert ? convert(r[c.name]) : r[c.name])) }
      }), rowGroupSize: group.length })
  }
  const input = createReadStream(jsonlGz).pipe(createGunzip())
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line.length === 0) continue
    const record = JSON.parse(line) as Record<string, unknown>
    rows.push(record)
    records++
    characters += typeof record.text === "string" ? record.text.length : 0
    if (rows.length >= ROW_GROUP_RECORDS || characters >= ROW_GROUP_CHARACTERS) await flush()
  }
  await flush()
  await writer.finish()
  return { records }
}

const numbersOf = (value: unknown): unknown => {
  if (typeof value === "bigint") return Number(value)
  if (Array.isArray(value)) return value.map(numbersOf)
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, numbersOf(v)]))
  return value
}

/** Every record of a Parquet shard in order, a row group at a time, with INT64 values as numbers. */
export const readParquetShard = async (path: string, onRecord: (record: Record<string, unknown>) => void): Promise<number> => {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  let rowStart = 0
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows)
    const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd })
    for (const row of rows) onRecord(numbersOf(row) as Record<string, unknown>)
    rowStart = rowEnd
  }
  return rowStart
}
