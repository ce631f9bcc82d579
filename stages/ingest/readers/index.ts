import type { DocumentReader } from "../reader.ts"
import { jsonlReader } from "./jsonl.ts"
import { plainTextReader } from "./plain-text.ts"

/** Every format acervo reads. A new format is one new module added to this list. */
export const readers: ReadonlyArray<DocumentReader> = [jsonlReader, plainTextReader]

export const readerFor = (path: string): DocumentReader | undefined => {
  const lower = path.toLowerCase()
  return readers.find((r) => r.extensions.some((ext) => lower.endsWith(ext)))
}
