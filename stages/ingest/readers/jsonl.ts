import { Either, Stream } from "effect"
import { createReadStream } from "node:fs"
import type { Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import { decodeAll } from "../../../domain/problems.ts"
import { JsonlRecord, knownFieldNames } from "../../../domain/batch-schema.ts"
import { formatProblem } from "../../../domain/problems.ts"
import { DEFAULT_MAX_JSON_DEPTH, jsonShape } from "../../../domain/json-shape.ts"
import { decodeUtf8Strict } from "../encoding.ts"
import { documentFrom, rejected, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"

const NEWLINE = 0x0a

/**
 * Splits a byte stream into lines without decoding first, so a multi-byte character split across
 * chunks is never damaged, and a line longer than the limit is skipped without being held whole.
 */
async function* lines(input: Readable, maxLineBytes: number): AsyncGenerator<Array<{ bytes: Uint8Array | null; size: number }>> {
  let pending: Array<Buffer> = []
  let pendingSize = 0
  let oversized = false
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const out: Array<{ bytes: Uint8Array | null; size: number }> = []
    let start = 0
    let nl = chunk.indexOf(NEWLINE, start)
    while (nl >= 0) {
      const piece = chunk.subarray(start, nl)
      const size = pendingSize + piece.length
      if (oversized || size > maxLineBytes) out.push({ bytes: null, size })
      else out.push({ bytes: pending.length === 0 ? piece : Buffer.concat([...pending, piece]), size })
      pending = []
      pendingSize = 0
      oversized = false
      start = nl + 1
      nl = chunk.indexOf(NEWLINE, start)
    }
    const rest = chunk.subarray(start)
    pendingSize += rest.length
    if (pendingSize > maxLineBytes) {
      oversized = true
      pending = []
    } else if (rest.length > 0) pending.push(Buffer.from(rest))
    if (out.length > 0) yield out
  }
  if (pendingSize > 0) yield [{ bytes: oversized ? null : Buffer.concat(pending), size: pendingSize }]
}

const toItem = (file: FileToRead, lineNo: number, bytes: Uint8Array | null, size: number, limits: ReaderLimits): IngestItem | undefined => {
  const at = { localId: `${file.documentId ?? file.path}#L${lineNo}`, line: lineNo }
  if (bytes === null) {
    return rejected(file, at, "too-large", `line ${lineNo} has ${size} bytes, over the ${limits.maxDocumentBytes}-byte document limit (ACERVO_MAX_DOCUMENT_BYTES); split the document or raise the limit`)
  }
  const text = decodeUtf8Strict(bytes)
  if (text === undefined) return rejected(file, at, "invalid-utf8", `line ${lineNo} is not valid UTF-8; JSON lines must be UTF-8`)
  if (text.trim().length === 0) return undefined
  // Bounded before anything recursive (schema decoding, the worker's structured clone, JSON.stringify) meets the value.
  const shape = jsonShape(text, limits.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH, 1)
  if (shape.tooDeep) {
    return rejected(file, at, "too-deep", `line ${lineNo} nests objects and arrays deeper than ${limits.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH} levels (at ${shape.tooDeep.path}; ACERVO_MAX_JSON_DEPTH); flatten the record`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return rejected(file, at, "invalid-json", `line ${lineNo} is not JSON: ${(e as Error).message}`)
  }
  const duplicate = shape.duplicateKeys[0]
  if (duplicate) {
    return rejected(file, at, "duplicate-key", `line ${lineNo} names the key "${duplicate.key}" twice (at ${duplicate.path}), so it says two things; keep one`)
  }
  const decoded = decodeAll(JsonlRecord, value, file.path, knownFieldNames.jsonl)
  if (Either.isLeft(decoded)) {
    return rejected(file, at, "invalid-record", `line ${lineNo}: ${decoded.left.map(formatProblem).join("; ")}`)
  }
  const { text: body, id, ...fields } = decoded.right
  const localId = id !== undefined ? String(id) : at.localId
  const merged = { ...file.fields, ...fields }
  if (body.trim().length === 0) return rejected(file, { localId, line: lineNo, fields: merged }, "empty-document", `line ${lineNo} has an empty "text"`)
  return {
    _tag: "Document",
    document: documentFrom(file, { localId, line: lineNo, fields: merged, text: body, encoding: "utf-8", rawBytes: size })
  }
}

async function* readJsonl(file: FileToRead, limits: ReaderLimits): AsyncGenerator<Array<IngestItem>> {
  const raw = createReadStream(file.storedPath, { highWaterMark: 256 * 1024 })
  const input = file.path.toLowerCase().endsWith(".gz") ? raw.pipe(createGunzip()) : raw
  if (input !== raw) raw.on("error", (e) => input.destroy(e))
  let lineNo = 0
  try {
    for await (const batch of lines(input, limits.maxDocumentBytes)) {
      const items: Array<IngestItem> = []
      for (const line of batch) {
        lineNo++
        if (lineNo <= file.doneUnits) continue
        const item = toItem(file, lineNo, line.bytes, line.size, limits)
        if (item) items.push(item)
      }
      if (items.length > 0) yield items
    }
  } catch (e) {
    // Submit tests every gzip member, so this is a file damaged in the store since.
    yield [rejected(file, { localId: `${file.documentId ?? file.path}#L${lineNo + 1}`, line: lineNo + 1 }, "unreadable", `reading stopped after line ${lineNo}: ${(e as Error).message}`)]
  }
  yield [{ _tag: "FileDone", fileId: file.fileId, units: lineNo }]
}

/** `.jsonl` and `.jsonl.gz`: one document per line, `text` plus any document field. */
export const jsonlReader: DocumentReader = {
  format: "jsonl",
  extensions: [".jsonl.gz", ".ndjson.gz", ".jsonl", ".ndjson"],
  read: (file, limits) =>
    Stream.fromAsyncIterable(readJsonl(file, limits), (e) => e).pipe(
      Stream.orDie,
      Stream.mapConcat((items) => items)
    )
}
