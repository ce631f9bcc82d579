import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect } from "effect"
import { catalogOn } from "../../catalog/catalog.ts"
import { Batches, type NewBatch } from "../../catalog/batches.ts"
import type { PipelineDocument, StageOutcome } from "../../domain/document.ts"
import { sha256Hex } from "../../domain/hashing.ts"

/** A fresh, migrated catalog in memory with every repository: provide it per test. */
export const memoryCatalog = catalogOn(SqliteClient.layer({ filename: ":memory:" }))

export const at = (day: number) => `2031-05-${String(day).padStart(2, "0")}T10:00:00.000Z`

export const newBatch = (institution: string, batchId: string, paths: ReadonlyArray<string>, over: Partial<NewBatch> = {}): NewBatch => ({
  institution,
  batchId,
  contentSha256: sha256Hex(`${institution}/${batchId}`),
  title: `${batchId} of ${institution}`,
  collection: undefined,
  manifestJson: JSON.stringify({ format: "acervo-batch/1", institution, id: batchId }),
  storedPath: `/store/${batchId}`,
  submittedAt: at(1),
  files: paths.map((path, i) => ({
    path,
    format: path.endsWith(".jsonl") ? "jsonl" : "text",
    bytes: 100 + i,
    sha256: sha256Hex(path),
    documentId: undefined,
    fields: { license: "CC-BY-4.0", language: "spa", labels: ["TK Attribution"] }
  })),
  ...over
})

/** Registers a batch and returns its sequence number and its files' ids by path. */
export const registered = (batch: NewBatch) =>
  Effect.gen(function* () {
    const batches = yield* Batches
    const seq = yield* batches.registerBatch(batch)
    const files = yield* batches.pendingFiles(0, 1000)
    return { seq, fileId: (path: string) => files.find((f) => f.batchSeq === seq && f.path === path)!.fileId }
  })

/** A document of a registered batch, as the stages hand it to the catalog. */
export const document = (batch: { institution: string; batchId: string; seq: number }, fileId: number, localId: string, text: string, over: Partial<PipelineDocument> = {}): PipelineDocument => ({
  recordId: sha256Hex(`${batch.institution}/${batch.batchId}/${localId}`).slice(0, 24),
  fileId,
  source: { institution: batch.institution, batch: batch.batchId, batchSeq: batch.seq, document: localId, path: "docs.jsonl", line: 1 },
  fields: { license: "CC-BY-4.0", language: "spa" },
  fileSha256: "",
  rawBytes: Buffer.byteLength(text),
  encoding: "utf-8",
  text,
  flags: [],
  textSha256: sha256Hex(text),
  dedupKey: text.toLowerCase(),
  language: { lang: "spa", score: 0.93, langs: { spa: 0.93 }, declared: "spa", detected: "spa" },
  ...over
})

export const keptAs = (d: PipelineDocument, profiles: ReadonlyArray<string> = ["open"]): StageOutcome => ({
  _tag: "Kept",
  document: { ...d, gate: { license: "CC-BY-4.0", licenseUse: "open", attribution: true, profiles } }
})
