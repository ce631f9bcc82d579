import { toIso6393 } from "../language-codes.ts"
import { documentFrom, rejected, wholeFileReader, withFileMetadata, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"
import { parseXmlBytes } from "../xml.ts"
import { dateOf } from "./html.ts"
import { fieldsOfXml, packageFailure, PackageInvalid, readPackage } from "./packaged.ts"

/** Elements whose text is not the body's: tracked deletions, comments, notes, the sequence declarations. */
const outsideBody = new Set(["tracked-changes", "annotation", "note", "sequence-decls", "forms", "bookmark-ref", "deletion"])
const paragraphElements = new Set(["p", "h"])

/**
 * The body of content.xml as paragraphs: every `text:p` and `text:h` (those inside lists and tables
 * too) one paragraph; `text:s`, `text:tab` and `text:line-break` as white space.
 */
const bodyParagraphs = async (content: Buffer, limits: ReaderLimits): Promise<Array<string>> => {
  const paragraphs: Array<string> = []
  let inBody = false
  let skipped = 0
  let current = ""
  let size = 0
  const flush = () => {
    const p = current.replace(/\s+/g, " ").trim()
    if (p) {
      size += Buffer.byteLength(p) + 2
      if (size > limits.maxDocumentBytes) throw new PackageInvalid("too-large")
      paragraphs.push(p)
    }
    current = ""
  }
  await parseXmlBytes(content, {
    open: (el) => {
      if (el.name === "body") inBody = true
      if (!inBody) return
      if (skipped > 0 || outsideBody.has(el.name)) {
        skipped++
        return
      }
      if (paragraphElements.has(el.name)) flush()
      else if (el.name === "s") current += " ".repeat(Math.min(Number(el.attributes["c"] ?? 1) || 1, 64))
      else if (el.name === "tab" || el.name === "line-break") current += " "
    },
    close: (name) => {
      if (!inBody) return
      if (skipped > 0) {
        skipped--
        return
      }
      if (paragraphElements.has(name)) flush()
      if (name === "body") inBody = false
    },
    text: (t) => {
      if (inBody && skipped === 0) current += t
    }
  }, { maxDepth: limits.maxDepth })
  flush()
  return paragraphs
}

const readOdt = async (file: FileToRead, limits: ReaderLimits): Promise<Array<IngestItem>> => {
  const at = { localId: file.documentId ?? file.path, line: 0 }
  const parts = await readPackage(file, limits, (name) => name === "mimetype" || name === "content.xml" || name === "meta.xml")
  const mimetype = parts.get("mimetype")?.toString("latin1").trim()
  if (mimetype !== undefined && mimetype !== "application/vnd.oasis.opendocument.text") throw new PackageInvalid(`its mimetype is ${mimetype}, not an OpenDocument text`)
  const content = parts.get("content.xml")
  if (!content) throw new PackageInvalid("it has no content.xml")
  let paragraphs: Array<string>
  try {
    paragraphs = await bodyParagraphs(content, limits)
  } catch (e) {
    if (e instanceof PackageInvalid && e.message === "too-large") {
      return [rejected(file, at, "too-large", "the text is over the document limit (ACERVO_MAX_DOCUMENT_BYTES); split the file or raise the limit")]
    }
    throw e
  }
  if (paragraphs.length === 0) return [rejected(file, at, "empty-file", "the document has no text")]
  const meta = await fieldsOfXml(parts.get("meta.xml"), ["title", "initial-creator", "creator", "creation-date", "date", "language"], limits.maxDepth)
  const doc = documentFrom(file, { ...at, fields: file.fields, text: paragraphs.join("\n\n") + "\n", encoding: "utf-8", rawBytes: file.bytes })
  return [{
    _tag: "Document",
    document: withFileMetadata(doc, {
      title: meta["title"]?.[0],
      creators: meta["initial-creator"] ?? meta["creator"],
      created: dateOf(meta["creation-date"]?.[0] ?? meta["date"]?.[0]),
      language: toIso6393(meta["language"]?.[0])
    })
  }]
}

/** `.odt`: OpenDocument text, content.xml through the shared XML parser, meta.xml as metadata. */
export const odtReader: DocumentReader = {
  format: "odt",
  extensions: [".odt"],
  read: wholeFileReader(readOdt, packageFailure("odt-invalid", "ODT"))
}
