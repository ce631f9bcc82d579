import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import type { DocumentFields } from "../domain/batch-schema.ts"
import { projectRoot } from "../domain/project-root.ts"
import { decodeText } from "../stages/ingest/encoding.ts"
import type { FileToRead } from "../stages/ingest/reader.ts"
import { readSpeakerTranscript } from "../stages/ingest/readers/speaker-transcript.ts"
import { readTei } from "../stages/ingest/readers/tei.ts"

/** The real texts in `corpora/reference/`, read with acervo's own readers, for evaluations and the benchmark. */
export interface ReferenceTexts {
  /** UDHR blocks (headings and paragraphs) per translation. */
  readonly udhr: { readonly spa: ReadonlyArray<string>; readonly porBR: ReadonlyArray<string>; readonly porPT: ReadonlyArray<string>; readonly arn: ReadonlyArray<string> }
  /** Paragraphs of the ELTeC novels' TEI bodies. */
  readonly eltec: { readonly spa: ReadonlyArray<string>; readonly por: ReadonlyArray<string> }
  /** Each AVENUE transcript: as delivered (decoded), and its Mapudungun and Spanish turns. */
  readonly avenue: ReadonlyArray<{ readonly file: string; readonly raw: string; readonly arn: ReadonlyArray<string>; readonly spa: ReadonlyArray<string> }>
  /** Kieviet's Rapa Nui example sentences. */
  readonly rap: ReadonlyArray<string>
}

const reference = (...parts: Array<string>) => join(projectRoot, "corpora", "reference", ...parts)
const limits = { maxDocumentBytes: 16e6, maxDepth: 256 }

const fileAt = (path: string, fields: DocumentFields): FileToRead => ({
  fileId: 0, institution: "reference", batchId: "reference", batchSeq: 0, path, storedPath: path, sha256: "",
  bytes: statSync(path).size, documentId: undefined, fields, doneUnits: 0
})

const blocks = (file: string) => readFileSync(reference("udhr", file), "utf8").split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean)

const teiParagraphs = async (path: string) => {
  const [item] = await readTei(fileAt(path, {}), limits)
  return item?._tag === "Document" ? item.document.text.split("\n\n") : []
}

const transcript: DocumentFields = { reader: { transcript: { speakers: { M: "arn", C: "spa" } } } }

export const loadReferenceTexts = async (): Promise<ReferenceTexts> => {
  const avenueDir = reference("arn", "avenue")
  const avenue = await Promise.all(
    readdirSync(avenueDir).filter((f) => f.endsWith(".txt")).sort().map(async (file) => {
      const path = join(avenueDir, file)
      const items = await readSpeakerTranscript(fileAt(path, transcript), limits)
      const turns = (lang: string) => items.flatMap((i) => (i._tag === "Document" && i.document.fields.language === lang ? i.document.text.split("\n") : []))
      const decoded = decodeText(readFileSync(path))
      return { file, raw: decoded._tag === "Decoded" ? decoded.text : "", arn: turns("arn"), spa: turns("spa") }
    })
  )
  return {
    udhr: { spa: blocks("spa.txt"), porBR: blocks("por-BR.txt"), porPT: blocks("por-PT.txt"), arn: blocks("arn.txt") },
    eltec: {
      spa: await teiParagraphs(reference("spa", "eltec-spa-SPA3026-clarin-pipa.xml")),
      por: await teiParagraphs(reference("por", "eltec-por-POR0066-innocente.xml"))
    },
    avenue,
    rap: readFileSync(reference("rap", "kieviet-grammar-examples.txt"), "utf8").split("\n").map((l) => l.trim()).filter(Boolean)
  }
}
