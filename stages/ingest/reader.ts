import type { Stream } from "effect"
import type { DocumentFields } from "../../pipeline/batch/schema.ts"
import { recordIdOf } from "../../pipeline/hashing.ts"
import type { Note, PipelineDocument, SourceRef } from "../stage.ts"

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
  return {
    recordId: recordIdOf(file.institution, file.batchId, init.localId),
    source,
    fields: init.fields,
    fileSha256: file.sha256,
    rawBytes: init.rawBytes,
    encoding: init.encoding,
    text: init.text,
    flags: []
  }
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
