import { spdxFromText, spdxFromUrl } from "../../../licenses/url.ts"
import { toIso6393 } from "../language-codes.ts"
import { documentFrom, rejected, withFileMetadata, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"
import { parseXmlFile, XmlRefused } from "../xml.ts"

// Elements whose text is never part of the reading text.
const SKIPPED = new Set(["teiHeader", "note", "rdg", "orig", "abbr", "sic", "fw", "figDesc", "facsimile", "standOff"])
// Elements that end a block of text (paragraph breaks in the output).
const BLOCKS = new Set(["p", "head", "l", "lg", "div", "sp", "speaker", "item", "list", "ab", "quote", "trailer", "byline", "dateline", "closer", "opener", "salute", "signed", "epigraph", "argument", "table", "row", "titlePage", "docTitle", "titlePart", "stage", "castList", "castItem", "label", "bibl", "cit"])

const clean = (s: string) => s.replace(/\s+/g, " ").trim()

export const readTei = async (file: FileToRead, limits: ReaderLimits & { maxDepth: number }): Promise<Array<IngestItem>> => {
  const options = file.fields.reader?.tei
  const sections = new Set(options?.sections ?? ["body"])
  const skipped = new Set(SKIPPED)
  if (options?.notes) skipped.delete("note")
  const stack: Array<string> = []
  let skipDepth = 0
  let inSection = 0
  const blocks: Array<string> = []
  let current = ""
  let size = 0
  const header = { title: "", mainTitle: "", creators: [] as Array<string>, language: "", textLanguage: "", license: "", licenseText: "" }
  // Creation date preference: profileDesc/creation, then the first edition, then any source date.
  const dates = { creation: "", firstEdition: "", other: "" }
  let dateKind: keyof typeof dates = "other"
  let biblType = ""
  let capture: "title" | "author" | "date" | "licence" | undefined
  let captured = ""
  let titleType = ""
  const flush = () => {
    const block = clean(current)
    if (block) {
      blocks.push(block)
      size += block.length
    }
    current = ""
  }
  const path = () => stack.join("/")
  const encoding = await parseXmlFile(
    file.storedPath,
    {
      open: (el) => {
        stack.push(el.name)
        const p = path()
        if (el.name === "TEI" && el.attributes["xml:lang"]) header.language = el.attributes["xml:lang"]
        if (el.name === "text" && el.attributes["xml:lang"] && !header.textLanguage) header.textLanguage = el.attributes["xml:lang"]
        if (p.endsWith("profileDesc/langUsage/language") && el.attributes["ident"] && !header.textLanguage) header.textLanguage = el.attributes["ident"]
        if (p.endsWith("availability/licence")) {
          if (el.attributes["target"]) header.license ||= el.attributes["target"]
          capture = "licence"
          captured = ""
        }
        if (p.endsWith("fileDesc/titleStmt/title")) {
          capture = "title"
          captured = ""
          titleType = el.attributes["type"] ?? ""
        }
        if (p.endsWith("fileDesc/titleStmt/author")) {
          capture = "author"
          captured = ""
        }
        if (el.name === "bibl") biblType = el.attributes["type"] ?? ""
        if (p.endsWith("profileDesc/creation/date") || p.endsWith("sourceDesc/bibl/date")) {
          dateKind = p.endsWith("creation/date") ? "creation" : biblType === "firstEdition" ? "firstEdition" : "other"
          const when = el.attributes["when"]
          if (when) dates[dateKind] ||= when
          else {
            capture = "date"
            captured = ""
          }
        }
        if (stack.length >= 2 && stack[stack.length - 2] === "text" && sections.has(el.name as "body")) inSection++
        if (skipDepth > 0 || skipped.has(el.name)) {
          skipDepth++
          return
        }
        if (inSection > 0) {
          if (BLOCKS.has(el.name)) flush()
          else if (el.name === "lb" && el.attributes["break"] !== "no") current += " "
        }
      },
      close: (name) => {
        const p = path()
        if (capture && (p.endsWith("titleStmt/title") || p.endsWith("titleStmt/author") || p.endsWith("/date") || p.endsWith("availability/licence"))) {
          const value = clean(captured)
          if (capture === "title" && value) {
            if (!header.title) header.title = value
            if (titleType === "main" && !header.mainTitle) header.mainTitle = value
          } else if (capture === "author" && value) header.creators.push(value)
          else if (capture === "date" && value) dates[dateKind] ||= value
          else if (capture === "licence" && value) header.licenseText ||= value
          capture = undefined
        }
        if (skipDepth > 0) skipDepth--
        else if (inSection > 0 && BLOCKS.has(name)) flush()
        if (stack.length >= 2 && stack[stack.length - 2] === "text" && sections.has(name as "body")) {
          flush()
          inSection--
        }
        stack.pop()
      },
      text: (t) => {
        if (capture) captured += t
        if (skipDepth === 0 && inSection > 0) {
          current += t
          if (size + current.length > limits.maxDocumentBytes) throw new XmlRefused("xml-invalid", "too-large")
        }
      }
    },
    limits
  )
  flush()
  const at = { localId: file.documentId ?? file.path, line: 0 }
  const text = blocks.join("\n\n")
  if (!text) return [rejected(file, at, "empty-document", "the TEI body holds no text")]
  const license = (header.license && spdxFromUrl(header.license)) || (header.licenseText && spdxFromText(header.licenseText)) || undefined
  const doc = documentFrom(file, { ...at, fields: file.fields, text, encoding, rawBytes: file.bytes })
  return [
    {
      _tag: "Document",
      document: withFileMetadata(doc, {
        title: header.mainTitle || header.title,
        creators: header.creators,
        created: dates.creation || dates.firstEdition || dates.other,
        language: toIso6393(header.textLanguage || header.language),
        license,
        licenseSource: "TEI availability/licence",
        metadata: { tei: { title: header.mainTitle || header.title, language: header.textLanguage || header.language, licence: header.license || header.licenseText || null } }
      })
    }
  ]
}

