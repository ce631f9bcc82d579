import { Effect, Stream } from "effect"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import { recordIdOf, sha256Hex } from "../../domain/hashing.ts"
import { resolveLicense } from "../../licenses/expression.ts"
import { defaultRegistry } from "../../licenses/partner-licenses.ts"
import type { Note, PipelineDocument, SourceRef } from "../../domain/document.ts"

/** A registered file of a batch, as the catalog hands it to ingest. */
export interface FileToRead {
  readonly fileId: number
  readonly institution: string
  readonly batchId: string
  readonly batchSeq: number
  /** Path inside the batch, as the partner wrote it. */
  readonly path: string
  /** Where the read-only stored copy is. */
  readonly storedPath: string
  readonly sha256: string
  readonly bytes: number
  /** Document id from batch.json, when the file is listed there. */
  readonly documentId: string | undefined
  /** batch defaults merged with the file's entry in batch.json. */
  readonly fields: DocumentFields
  /** Units (JSONL lines) already committed by an earlier, interrupted run. */
  readonly doneUnits: number
}

export interface ReaderLimits {
  readonly maxDocumentBytes: number
  /** Deepest element nesting accepted in XML formats. */
  readonly maxDepth: number
  /**
   * ACERVO_DOCUMENT_TIMEOUT_SECONDS (0 or absent: no bound). Readers run on the main thread, where
   * nothing can stop them: a reader whose work on a file depends on a partner's pattern checks it
   * between lines, and refuses the file as `timeout` once it is past.
   */
  readonly documentTimeoutSeconds?: number
  /** Deepest nesting of objects and arrays in a JSONL line (default DEFAULT_MAX_JSON_DEPTH). */
  readonly maxJsonDepth?: number
  /** Most pages read from one PDF (ACERVO_MAX_PDF_PAGES; default DEFAULT_MAX_PDF_PAGES). */
  readonly maxPdfPages?: number
  /** Largest PDF file read (ACERVO_MAX_PDF_BYTES; default DEFAULT_MAX_PDF_BYTES); its text is bounded by maxDocumentBytes. */
  readonly maxPdfBytes?: number
}

export type IngestItem =
  | { readonly _tag: "Document"; readonly document: PipelineDocument }
  | { readonly _tag: "Rejected"; readonly document: PipelineDocument; readonly reason: Note }
  | { readonly _tag: "FileDone"; readonly fileId: number; readonly units: number }

/**
 * Turns one stored file into documents. A reader never fails its stream: whatever it cannot read
 * becomes a `Rejected` item with a reason, so nothing is silently dropped.
 */
export interface DocumentReader {
  readonly format: string
  /** File name endings this reader takes, lowercase, longest first where they overlap. */
  readonly extensions: ReadonlyArray<string>
  /** Parses its files as XML with `parseXmlFile`; submit runs `checkXmlSafety` on them. */
  readonly xml?: boolean
  readonly read: (file: FileToRead, limits: ReaderLimits) => Stream.Stream<IngestItem>
}

export const documentFrom = (
  file: FileToRead,
  init: { localId: string; line: number; fields: DocumentFields; text: string; encoding: string; rawBytes: number }
): PipelineDocument => {
  const source: SourceRef = {
    institution: file.institution,
    batch: file.batchId,
    batchSeq: file.batchSeq,
    document: init.localId,
    path: file.path,
    line: init.line
  }
  const doc: PipelineDocument = {
    recordId: recordIdOf(file.institution, file.batchId, init.localId),
    fileId: file.fileId,
    source,
    fields: init.fields,
    fileSha256: file.sha256,
    rawBytes: init.rawBytes,
    encoding: init.encoding,
    text: init.text,
    flags: []
  }
  const named = licenseInFileName(file.path)
  return named ? withFileMetadata(doc, { license: named, licenseSource: "file name" }) : doc
}

/**
 * A Creative Commons licence written into a file name (`entrevista-03-cc-by-nc-nd-4-0.txt`), as
 * SPDX. Partners name files after the licence they were given under; when that disagrees with the
 * batch's declaration, the file's own word must not be lost.
 */
export const licenseInFileName = (path: string): string | undefined => {
  const name = path.split("/").pop()!.toLowerCase()
  const m = /(?:^|[^a-z0-9])cc[-_ ]?(0|by(?:[-_ ](?:nc|sa|nd))*)[-_ ]?v?(\d)(?:[-_. ](\d))?(?![a-z0-9])/.exec(name)
  if (!m) return undefined
  const version = `${m[2]}.${m[3] ?? "0"}`
  return m[1] === "0" ? `CC0-${version}` : `CC-${m[1]!.toUpperCase().replace(/[-_ ]/g, "-")}-${version}`
}

export const rejected = (
  file: FileToRead,
  at: { localId: string; line: number; fields?: DocumentFields },
  code: string,
  detail: string
): IngestItem => ({
  _tag: "Rejected",
  document: documentFrom(file, { localId: at.localId, line: at.line, fields: at.fields ?? file.fields, text: "", encoding: "", rawBytes: 0 }),
  reason: { stage: "ingest", code, detail }
})

/** Metadata a structured format carries about itself (TEI header, EAF licence, ALTO processing). */
export interface FileMetadata {
  readonly title?: string | undefined
  readonly creators?: ReadonlyArray<string> | undefined
  readonly created?: string | undefined
  readonly language?: string | undefined
  readonly license?: string | undefined
  readonly licenseSource?: string | undefined
  readonly metadata?: Record<string, unknown> | undefined
}

/**
 * Merges what the file says about itself under what the partner declared: declared fields win.
 * A file licence that differs from the declared one is flagged `license-conflict` and both apply
 * (`declared AND file`, the most restrictive) until a person resolves it.
 */
export const withFileMetadata = (doc: PipelineDocument, file: FileMetadata): PipelineDocument => {
  const f = doc.fields
  const fields = {
    ...f,
    ...(f.title === undefined && file.title ? { title: file.title } : {}),
    ...(f.creators === undefined && file.creators && file.creators.length > 0 ? { creators: [...file.creators] } : {}),
    ...(f.created === undefined && file.created ? { created: file.created } : {}),
    ...(f.language === undefined && file.language ? { language: file.language } : {}),
    ...(file.metadata ? { metadata: { ...(f.metadata ?? {}), ...file.metadata } } : {})
  }
  const flags = [...doc.flags]
  if (file.license) {
    if (!f.license) {
      fields.license = file.license
      flags.push({ stage: "ingest", code: "license-from-file", detail: `no licence was declared; the file's own (${file.licenseSource ?? "metadata"}) says ${file.license}` })
    } else if (!sameLicense(f.license, file.license)) {
      fields.license = `(${f.license}) AND ${file.license}`
      flags.push({ stage: "ingest", code: "license-conflict", detail: `declared ${f.license}, but the file's ${file.licenseSource ?? "metadata"} says ${file.license}; both apply until resolved` })
    }
  }
  return { ...doc, fields, flags }
}

const sameLicense = (a: string, b: string) => {
  if (a.trim() === b.trim()) return true
  const ra = resolveLicense(a, defaultRegistry)
  const rb = resolveLicense(b, defaultRegistry)
  return ra._tag === "Resolved" && rb._tag === "Resolved" && ra.license.terms.join() === rb.license.terms.join()
}

/** A stable stand-in for a person's name, the same across every file of one institution. */
export const pseudonym = (institution: string, name: string): string =>
  `S-${sha256Hex(`acervo-speaker/1\u0000${institution}\u0000${name.trim().toLowerCase()}`).slice(0, 6)}`

const fileDone = (file: FileToRead): IngestItem => ({ _tag: "FileDone", fileId: file.fileId, units: 1 })

/**
 * A reader for formats whose documents come out once the whole file has been read (one text file,
 * one TEI edition, one ELAN transcript). The file itself is streamed by the format's parser; a
 * failure becomes a rejected item with `describe`'s reason, never a failed stream.
 */
export const wholeFileReader =
  (read: (file: FileToRead, limits: ReaderLimits) => Promise<ReadonlyArray<IngestItem>>, describe: (file: FileToRead, error: unknown) => IngestItem) =>
  (file: FileToRead, limits: ReaderLimits): Stream.Stream<IngestItem> =>
    file.doneUnits > 0
      ? Stream.make(fileDone(file))
      : Stream.fromIterableEffect(Effect.promise(() => read(file, limits).catch((e: unknown) => [describe(file, e)]))).pipe(
          Stream.concat(Stream.make(fileDone(file)))
        )

export const unreadable = (file: FileToRead, error: unknown): IngestItem =>
  rejected(file, { localId: file.documentId ?? file.path, line: 0 }, "unreadable", (error as Error).message ?? String(error))
