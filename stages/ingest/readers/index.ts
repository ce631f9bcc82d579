import type { DocumentReader } from "../reader.ts"
import { docxReader } from "./docx.ts"
import { elanReader } from "./elan.ts"
import { epubReader } from "./epub.ts"
import { htmlReader } from "./html.ts"
import { jsonlReader } from "./jsonl.ts"
import { odtReader } from "./odt.ts"
import { pdfReader } from "./pdf.ts"
import { plainTextReader } from "./plain-text.ts"
import { srtReader, webvttReader } from "./subtitles.ts"
import { speakerTranscriptReader } from "./speaker-transcript.ts"
import { xmlReader } from "./xml-document.ts"

/** Every format acervo reads. A new format is one new module added to this list. */
export const readers: ReadonlyArray<DocumentReader> = [jsonlReader, xmlReader, elanReader, webvttReader, srtReader, htmlReader, docxReader, odtReader, epubReader, pdfReader, plainTextReader]

/**
 * The reader for a file: by its name, except that a text file with `reader.transcript` settings is
 * read as a speaker-labelled transcript.
 */
export const readerFor = (path: string, options?: { transcript?: unknown }): DocumentReader | undefined => {
  const lower = path.toLowerCase()
  const byName = readers.find((r) => r.extensions.some((ext) => lower.endsWith(ext)))
  if (byName === plainTextReader && options?.transcript) return speakerTranscriptReader
  return byName
}
