import { posix } from "node:path"
import { toIso6393 } from "../language-codes.ts"
import { documentFrom, rejected, wholeFileReader, withFileMetadata, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"
import { parseXmlBytes } from "../xml.ts"
import { blockElements, dateOf, skippedElements } from "./html.ts"
import { fieldsOfXml, packageFailure, PackageInvalid, readPackage } from "./packaged.ts"

/** The paragraphs of one XHTML content document, through the shared XML parser. */
const xhtmlParagraphs = async (bytes: Buffer, maxDepth: number, into: Array<string>) => {
  let current = ""
  let skipped = 0
  let inBody = false
  const flush = () => {
    const p = current.replace(/\s+/g, " ").trim()
    if (p) into.push(p)
    current = ""
  }
  await parseXmlBytes(bytes, {
    open: (el) => {
      const name = el.name.toLowerCase()
      if (name === "body") inBody = true
      if (skipped > 0 || skippedElements.has(name)) skipped++
      else if (blockElements.has(name)) flush()
    },
    close: (tag) => {
      const name = tag.toLowerCase()
      if (skipped > 0) skipped--
      else if (blockElements.has(name)) flush()
      if (name === "body") inBody = false
    },
    text: (t) => {
      if (inBody && skipped === 0) current += t
    }
  }, { maxDepth })
  flush()
}

interface Package {
  readonly manifest: Map<string, { href: string; mediaType: string; properties: string }>
  readonly spine: Array<string>
}

const packageOf = async (opf: Buffer, maxDepth: number): Promise<Package> => {
  const manifest = new Map<string, { href: string; mediaType: string; properties: string }>()
  const spine: Array<string> = []
  await parseXmlBytes(opf, {
    open: (el) => {
      const a = el.attributes
      if (el.name === "item" && a["id"] && a["href"]) manifest.set(a["id"], { href: a["href"], mediaType: a["media-type"] ?? "", properties: a["properties"] ?? "" })
      if (el.name === "itemref" && a["idref"] && a["linear"] !== "no") spine.push(a["idref"])
    }
  }, { maxDepth })
  return { manifest, spine }
}

const readEpub = async (file: FileToRead, limits: ReaderLimits): Promise<Array<IngestItem>> => {
  const at = { localId: file.documentId ?? file.path, line: 0 }
  const parts = await readPackage(file, limits, (name) => /\.(xml|opf|xhtml|html|htm)$/i.test(name) || name === "mimetype")
  const mimetype = parts.get("mimetype")?.toString("latin1").trim()
  if (mimetype !== undefined && mimetype !== "application/epub+zip") throw new PackageInvalid(`its mimetype is ${mimetype}, not application/epub+zip`)
  let opfPath: string | undefined
  const container = parts.get("META-INF/container.xml")
  if (!container) throw new PackageInvalid("it has no META-INF/container.xml")
  await parseXmlBytes(container, {
    open: (el) => {
      if (el.name === "rootfile" && !opfPath) opfPath = el.attributes["full-path"]
    }
  }, { maxDepth: limits.maxDepth })
  const opf = opfPath === undefined ? undefined : parts.get(opfPath)
  if (!opfPath || !opf) throw new PackageInvalid(`its container names no package document it holds (${opfPath ?? "none"})`)
  const { manifest, spine } = await packageOf(opf, limits.maxDepth)
  if (spine.length === 0) throw new PackageInvalid(`${opfPath} has no spine`)
  const base = posix.dirname(opfPath)
  const paragraphs: Array<string> = []
  for (const idref of spine) {
    const item = manifest.get(idref)
    if (!item) throw new PackageInvalid(`the spine names ${idref}, which the manifest of ${opfPath} does not list`)
    if (!/xhtml|html/.test(item.mediaType)) continue
    const href = decodeURIComponent(item.href.split("#")[0]!)
    const path = posix.normalize(base === "." ? href : posix.join(base, href))
    const bytes = parts.get(path)
    if (!bytes) throw new PackageInvalid(`the spine's ${path} is not in the file`)
    await xhtmlParagraphs(bytes, limits.maxDepth, paragraphs)
  }
  if (paragraphs.length === 0) return [rejected(file, at, "empty-file", "the book has no text in its spine")]
  const text = paragraphs.join("\n\n") + "\n"
  if (Buffer.byteLength(text) > limits.maxDocumentBytes) {
    return [rejected(file, at, "too-large", "the text is over the document limit (ACERVO_MAX_DOCUMENT_BYTES); split the file or raise the limit")]
  }
  const dc = await fieldsOfXml(opf, ["title", "creator", "date", "language"], limits.maxDepth)
  const doc = documentFrom(file, { ...at, fields: file.fields, text, encoding: "utf-8", rawBytes: file.bytes })
  return [{
    _tag: "Document",
    document: withFileMetadata(doc, { title: dc["title"]?.[0], creators: dc["creator"], created: dateOf(dc["date"]?.[0]), language: toIso6393(dc["language"]?.[0]) })
  }]
}

/** `.epub`: the spine's XHTML documents in spine order, the package's Dublin Core as metadata. */
export const epubReader: DocumentReader = {
  format: "epub",
  extensions: [".epub"],
  read: wholeFileReader(readEpub, packageFailure("epub-invalid", "EPUB"))
}
