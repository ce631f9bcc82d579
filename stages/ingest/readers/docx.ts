import mammoth from "mammoth"
import { readFile } from "node:fs/promises"
import { toIso6393 } from "../language-codes.ts"
import { documentFrom, rejected, wholeFileReader, withFileMetadata, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"
import { dateOf } from "./html.ts"
import { fieldsOfXml, packageFailure, PackageInvalid, readPackage } from "./packaged.ts"

const readDocx = async (file: FileToRead, limits: ReaderLimits): Promise<Array<IngestItem>> => {
  const at = { localId: file.documentId ?? file.path, line: 0 }
  // Every XML part unpacked within the bound and checked before mammoth (JSZip) opens the file;
  // JSZip unpacks parts lazily and raw text never touches the media, which are not read here.
  const parts = await readPackage(file, limits, (name) => /\.(xml|rels)$/i.test(name))
  if (!parts.has("word/document.xml")) throw new PackageInvalid("it has no word/document.xml")
  // Raw text: one paragraph per Word paragraph (headings and list items included); tracked
  // deletions and comments are not part of it.
  const result = await mammoth.extractRawText({ buffer: await readFile(file.storedPath) })
  const paragraphs = result.value.split(/\n\n+/).map((p) => p.replace(/\s+/g, " ").trim()).filter(Boolean)
  if (paragraphs.length === 0) return [rejected(file, at, "empty-file", "the document has no text")]
  const text = paragraphs.join("\n\n") + "\n"
  if (Buffer.byteLength(text) > limits.maxDocumentBytes) {
    return [rejected(file, at, "too-large", "the text is over the document limit (ACERVO_MAX_DOCUMENT_BYTES); split the file or raise the limit")]
  }
  const core = await fieldsOfXml(parts.get("docProps/core.xml"), ["title", "creator", "created", "language"], limits.maxDepth)
  const doc = documentFrom(file, { ...at, fields: file.fields, text, encoding: "utf-8", rawBytes: file.bytes })
  return [{
    _tag: "Document",
    document: withFileMetadata(doc, {
      title: core["title"]?.[0],
      creators: core["creator"],
      created: dateOf(core["created"]?.[0]),
      language: toIso6393(core["language"]?.[0])
    })
  }]
}

/** `.docx`: Word body text (mammoth), core properties (docProps/core.xml) as metadata. */
export const docxReader: DocumentReader = {
  format: "docx",
  extensions: [".docx"],
  read: wholeFileReader(readDocx, packageFailure("docx-invalid", "DOCX"))
}
