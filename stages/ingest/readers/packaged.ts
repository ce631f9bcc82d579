import { decodeHTMLStrict } from "entities"
import { rejected, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"
import { parseXmlBytes, XmlRefused } from "../xml.ts"
import { readZipEntries, zipLimitsFor, ZipRefused } from "../zip.ts"

/** What is wrong with a DOCX, ODT or EPUB file that makes it unreadable, with the fix. */
export class PackageInvalid extends Error {}

/**
 * Turns what went wrong with a packaged document into its exclusion: a zip bomb `too-large`, an
 * entity declaration `xml-unsafe`, anything else the format's own code (`docx-invalid`, …).
 */
export const packageFailure = (invalidCode: string, formatName: string) => (file: FileToRead, e: unknown): IngestItem => {
  const at = { localId: file.documentId ?? file.path, line: 0 }
  if (e instanceof ZipRefused && e.kind === "too-large") return rejected(file, at, "too-large", `the ${formatName} file: ${e.message}`)
  if (e instanceof XmlRefused && e.code === "xml-unsafe") return rejected(file, at, "xml-unsafe", `a part of the ${formatName} file: ${e.message}`)
  const message = (e as Error).message ?? String(e)
  return rejected(file, at, invalidCode, `not a readable ${formatName} file (${message}); open it in its editor and save it again as ${formatName}`)
}

/** The parts of a packaged document, every XML part checked with the shared parser (no entities, bounded depth). */
export const readPackage = async (file: FileToRead, limits: ReaderLimits, wanted: (name: string) => boolean = () => true): Promise<Map<string, Buffer>> => {
  const entries = await readZipEntries(file.storedPath, wanted, zipLimitsFor(limits.maxDocumentBytes))
  for (const [name, stored] of entries) {
    let bytes = stored
    if (/\.(xhtml|html|htm)$/i.test(name)) {
      bytes = withHtmlEntitiesAsText(stored)
      entries.set(name, bytes)
    }
    if (/\.(xml|rels|opf|ncx|xhtml|html|htm)$/i.test(name)) {
      await parseXmlBytes(bytes, {}, { maxDepth: limits.maxDepth }).catch((e: unknown) => {
        throw e instanceof XmlRefused && e.code === "xml-unsafe" ? new XmlRefused("xml-unsafe", `${name}: ${e.message}`) : new PackageInvalid(`${name} is not well-formed XML: ${(e as Error).message}`)
      })
    }
  }
  return entries
}

const xmlEntities = new Set(["amp", "lt", "gt", "quot", "apos"])
const xmlEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" }

/**
 * EPUB 2 content documents are XHTML 1.1, whose DTD names HTML's entities (`&nbsp;`, `&eacute;`):
 * the shared parser reads no DTD, so their references become the characters they stand for
 * before it sees the part. Entity *declarations* are still refused by the parser.
 */
export const withHtmlEntitiesAsText = (bytes: Buffer): Buffer => {
  const text = bytes.toString("utf8")
  if (!/&[A-Za-z][A-Za-z0-9]{1,31};/.test(text)) return bytes
  return Buffer.from(text.replace(/&([A-Za-z][A-Za-z0-9]{1,31});/g, (reference, name: string) => {
    if (xmlEntities.has(name)) return reference
    const decoded = decodeHTMLStrict(reference)
    return decoded === reference ? reference : decoded.replace(/[&<>]/g, (c) => xmlEscapes[c]!)
  }))
}

/** The text of the first elements named in `names` (local names) of an XML part, e.g. Dublin Core fields. */
export const fieldsOfXml = async (bytes: Buffer | undefined, names: ReadonlyArray<string>, maxDepth: number): Promise<Record<string, Array<string>>> => {
  const found: Record<string, Array<string>> = {}
  if (!bytes) return found
  let open: string | undefined
  let text = ""
  await parseXmlBytes(bytes, {
    open: (el) => {
      if (names.includes(el.name)) {
        open = el.name
        text = ""
      }
    },
    text: (t) => {
      if (open) text += t
    },
    close: (name) => {
      if (name === open) {
        const v = text.replace(/\s+/g, " ").trim()
        if (v) (found[name] ??= []).push(v)
        open = undefined
      }
    }
  }, { maxDepth })
  return found
}
