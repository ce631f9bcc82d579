import type { Column, ColumnType } from "./columns.ts"

type Encode = (value: unknown) => string

/*
 * JSON.stringify writes the fraction 1 as `1`, and a client that infers types from a file takes a
 * column whose values there are all whole for integers, then truncates 0.97 in the next file.
 * Writing by column type keeps every fraction a float in the text (`1.0`) and every whole number
 * an integer; field order is the columns' order.
 */
const encoderFor = (type: ColumnType, where: string): Encode => {
  const orNull = (encode: Encode): Encode => (type.kind !== "list" && type.nullable ? (v) => (v === null || v === undefined ? "null" : encode(v)) : encode)
  switch (type.kind) {
    case "string":
      return orNull((v) => JSON.stringify(String(v)))
    case "integer":
      return orNull((v) => {
        if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new Error(`${where} must be a whole number, not ${JSON.stringify(v)}`)
        return String(v)
      })
    case "float":
      return orNull((v) => {
        if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where} must be a finite number, not ${JSON.stringify(v)}`)
        return Number.isInteger(v) ? v.toFixed(1) : JSON.stringify(v)
      })
    case "list": {
      const item = encoderFor(type.item, `${where}[]`)
      return (v) => `[${(v as ReadonlyArray<unknown>).map(item).join(",")}]`
    }
    case "struct":
      return orNull(structEncoder(type.fields, where))
  }
}

const structEncoder = (columns: ReadonlyArray<Column>, where: string): Encode => {
  const parts = columns.map((c) => ({ key: `${JSON.stringify(c.name)}:`, name: c.name, encode: encoderFor(c.type, where ? `${where}.${c.name}` : c.name) }))
  return (v) => {
    const record = v as Record<string, unknown>
    let out = "{"
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      out += (i === 0 ? "" : ",") + p.key + p.encode(record[p.name])
    }
    return out + "}"
  }
}

/** A JSON encoder for records with these columns, one line per record (no newline). */
export const recordEncoder = (columns: ReadonlyArray<Column>): ((record: unknown) => string) => structEncoder(columns, "")
