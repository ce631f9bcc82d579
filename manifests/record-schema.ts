import { JSONSchema } from "effect"
import { recordFields } from "../stages/index.ts"
import { releaseRecordSchema } from "../stages/shard/record.ts"

export const RECORD_SCHEMA_FILE = "record.schema.json"

/** The JSON Schema (draft 2020-12) of one shard record, published in every release and checked by `audit verify`. */
export const recordJsonSchema = () => {
  const schema = JSONSchema.make(releaseRecordSchema(recordFields), { target: "jsonSchema2020-12" })
  return { ...schema, title: "acervo release record", description: "One line of a JSON-lines shard, one row of a Parquet shard: a document and its provenance." }
}

export const recordJsonSchemaText = () => JSON.stringify(recordJsonSchema(), null, 2) + "\n"
