import { readFile } from "node:fs/promises"
import { decodeText } from "../encoding.ts"
import { documentFrom, rejected, unreadable, wholeFileReader, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"

const readWhole = async (file: FileToRead, limits: ReaderLimits): Promise<IngestItem> => {
  const at = { localId: file.documentId ?? file.path, line: 0 }
  if (file.bytes > limits.maxDocumentBytes) {
    return rejected(file, at, "too-large", `${file.bytes} bytes is over the ${limits.maxDocumentBytes}-byte document limit (ACERVO_MAX_DOCUMENT_BYTES); split the file or raise the limit`)
  }
  let bytes: Uint8Array
  try {
    bytes = await readFile(file.storedPath)
  } catch (e) {
    return rejected(file, at, "unreadable", `cannot read the stored file: ${(e as Error).message}`)
  }
  if (bytes.length === 0) return rejected(file, at, "empty-file", "the file is empty")
  const decoded = decodeText(bytes)
  if (decoded._tag === "InvalidUtf8") {
    return rejected(file, at, "invalid-utf8", `${decoded.invalidSequences} invalid UTF-8 byte sequence(s), the first at byte ${decoded.firstOffset}; re-save the file as UTF-8`)
  }
  if (decoded.text.trim().length === 0) return rejected(file, at, "empty-file", "the file holds only white space")
  return {
    _tag: "Document",
    document: documentFrom(file, { ...at, fields: file.fields, text: decoded.text, encoding: decoded.encoding, rawBytes: bytes.length })
  }
}

/** `.txt` and `.md`: one document per file, encoding detected. */
export const plainTextReader: DocumentReader = {
  format: "text",
  extensions: [".txt", ".md", ".markdown", ".text"],
  read: wholeFileReader(async (file, limits) => [await readWhole(file, limits)], unreadable)
}
