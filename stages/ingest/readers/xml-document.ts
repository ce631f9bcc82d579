import { rejected, wholeFileReader, type DocumentReader, type FileToRead, type IngestItem } from "../reader.ts"
import { rootElement, XmlRefused } from "../xml.ts"
import { readAlto } from "./alto.ts"
import { readTei } from "./tei.ts"

export const xmlFailure = (file: FileToRead, e: unknown): IngestItem => {
  const at = { localId: file.documentId ?? file.path, line: 0 }
  if (e instanceof XmlRefused) {
    if (e.message === "too-large") return rejected(file, at, "too-large", "the text is over the document limit (ACERVO_MAX_DOCUMENT_BYTES); split the file or raise the limit")
    return rejected(file, at, e.code, e.message)
  }
  return rejected(file, at, "unreadable", (e as Error).message ?? String(e))
}

/** `.xml`: TEI P5 or ALTO, told apart by the root element. */
export const xmlReader: DocumentReader = {
  format: "xml",
  extensions: [".tei.xml", ".alto.xml", ".xml", ".alto"],
  xml: true,
  read: wholeFileReader(async (file, limits) => {
    const root = await rootElement(file.storedPath)
    if (root === "TEI" || root === "teiCorpus") return readTei(file, limits)
    if (root === "alto") return readAlto(file, limits)
    return [rejected(file, { localId: file.documentId ?? file.path, line: 0 }, "unsupported-format", `an XML file whose root is <${root ?? "?"}>; acervo reads TEI P5 (<TEI>) and ALTO (<alto>)`)]
  }, xmlFailure)
}
