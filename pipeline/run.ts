import { Chunk, Effect, Option, Stream } from "effect"
import { readerFor } from "../stages/ingest/readers/index.ts"
import { rejected, type FileToRead, type IngestItem } from "../stages/ingest/reader.ts"
import { minHashParams, settleClusters } from "../stages/dedup/dedup.ts"
import { gateDocument } from "../stages/gate/gate.ts"
import { processingStages } from "../stages/index.ts"
import { excluded, type PipelineDocument, type Stage, type StageName, type StageOutcome } from "../stages/stage.ts"
import { Catalog, type FileProgress } from "./catalog/catalog.ts"
import { nowIso } from "./clock.ts"
import { configSha256, Settings, type AcervoSettings } from "./config.ts"
import { type CatalogError, UsageError } from "./errors.ts"
import { canonicalJson, recordIdOf } from "./hashing.ts"
import { Progress } from "./progress.ts"

export interface StageStats {
  stage: StageName
  documents: number
  characters: number
  millis: number
  excluded: Record<string, number>
  flagged: Record<string, number>
}

export interface ProcessSummary {
  readonly run: number
  readonly files: number
  readonly documents: number
  readonly kept: number
  readonly excluded: Record<string, number>
  /** Survivors from earlier runs that the survivor rule replaced with a copy of this run. */
  readonly demoted: number
  readonly bytesRead: number
  readonly millis: number
  readonly stages: ReadonlyArray<StageStats>
}

const unsupported = (file: FileToRead): Stream.Stream<IngestItem> =>
  Stream.make(
    rejected(file, { localId: file.documentId ?? file.path, line: 0 }, "unsupported-format", `acervo has no reader for ${file.path}; convert it to a format acervo reads (see the README's list of formats)`),
    { _tag: "FileDone", fileId: file.fileId, units: 1 } as IngestItem
  )

const bump = (counts: Record<string, number>, code: string, by = 1) => {
  counts[code] = (counts[code] ?? 0) + by
}

/** Documents whose id was already used in the catalog or earlier in the chunk are kept apart, not merged. */
const separateReusedIds = (items: ReadonlyArray<IngestItem>, existing: ReadonlySet<string>) => {
  const seen = new Set<string>()
  return items.map((item): IngestItem => {
    if (item._tag === "FileDone") return item
    const d = item.document
    if (!existing.has(d.recordId) && !seen.has(d.recordId)) {
      seen.add(d.recordId)
      return item
    }
    const where = `${d.source.path}${d.source.line ? `#L${d.source.line}` : ""}`
    const recordId = recordIdOf(d.source.institution, d.source.batch, `${d.source.document}@${where}`)
    seen.add(recordId)
    return {
      _tag: "Rejected",
      document: { ...d, recordId },
      reason: { stage: "ingest", code: "duplicate-id", detail: `document id "${d.source.document}" at ${where} is already used by another document of this batch; give each document its own id` }
    }
  })
}

/**
 * The processing phase: every pending file is read, its documents pass through the stages a chunk
 * at a time, and each chunk's outcomes are committed with the files' progress in one transaction.
 * A crash loses at most the chunk in flight; the next run resumes after the last committed one.
 */
export const processPendingWith = (stagesFor: (settings: AcervoSettings, now: Date) => ReadonlyArray<Stage<Catalog, CatalogError>>) => Effect.gen(function* () {
  const settings = yield* Settings
  const catalog = yield* Catalog
  const progress = yield* Progress
  const indexParams = canonicalJson(minHashParams(settings.dedup))
  const builtWith = yield* catalog.dedupIndexParams
  if (builtWith !== undefined && builtWith !== indexParams) {
    return yield* new UsageError({
      message: `the near-duplicate index in ${settings.home} was built with MinHash parameters ${builtWith}, not ${indexParams}; set ACERVO_DEDUP_SHINGLE_WORDS, ACERVO_DEDUP_BANDS and ACERVO_DEDUP_ROWS back to the index's values (a catalog keeps one index; another setting needs a new ACERVO_HOME)`
    })
  }
  if (builtWith === undefined) yield* catalog.setDedupIndexParams(indexParams)
  const startedAt = yield* nowIso
  const runId = yield* catalog.startRun(startedAt, configSha256(settings))
  const pending = yield* catalog.countPendingFiles
  const stages = stagesFor(settings, new Date(startedAt))
  const stats: Array<StageStats> = [
    { stage: "ingest", documents: 0, characters: 0, millis: 0, excluded: {}, flagged: {} },
    ...stages.map((s): StageStats => ({ stage: s.name, documents: 0, characters: 0, millis: 0, excluded: {}, flagged: {} }))
  ]
  const ingestStats = stats[0]!
  const totals = { files: 0, documents: 0, kept: 0, demoted: 0, bytesRead: 0, excluded: {} as Record<string, number> }
  const started = performance.now()
  let ingestMark = performance.now()

  const processChunk = (items: ReadonlyArray<IngestItem>) =>
    Effect.gen(function* () {
      ingestStats.millis += performance.now() - ingestMark
      const ids = items.flatMap((i) => (i._tag === "FileDone" ? [] : [i.document.recordId]))
      const checked = separateReusedIds(items, yield* catalog.existingRecordIds(ids))
      const outcomes: Array<StageOutcome> = []
      const fileProgress = new Map<number, FileProgress>()
      let current: Array<PipelineDocument> = []
      for (const item of checked) {
        if (item._tag === "FileDone") {
          fileProgress.set(item.fileId, { fileId: item.fileId, units: item.units, done: true })
          totals.files++
          continue
        }
        const fileId = item.document.fileId
        const prior = fileProgress.get(fileId)
        if (!prior?.done) fileProgress.set(fileId, { fileId, units: Math.max(prior?.units ?? 0, item.document.source.line), done: false })
        totals.bytesRead += item.document.rawBytes
        ingestStats.documents++
        ingestStats.characters += item.document.text.length
        if (item._tag === "Rejected") {
          outcomes.push(excluded(item.document, "ingest", item.reason.code, item.reason.detail))
          bump(ingestStats.excluded, item.reason.code)
        } else current.push(item.document)
      }
      let tail: Array<StageOutcome> = []
      for (const [index, stage] of stages.entries()) {
        const s = stats[index + 1]!
        const t0 = performance.now()
        s.documents += current.length
        for (const d of current) s.characters += d.text.length
        const result = yield* stage.process(current)
        s.millis += performance.now() - t0
        const next: Array<PipelineDocument> = []
        for (const o of result) {
          if (o._tag === "Kept") next.push(o.document)
          else {
            bump(s.excluded, o.reason.code)
            tail.push(o)
          }
        }
        current = next
      }
      for (const d of current) tail.push({ _tag: "Kept", document: d })
      const settled = settleClusters(tail, (d) => gateDocument(d, new Date(startedAt)), settings.dedup)
      tail = [...settled.outcomes]
      totals.demoted += settled.demotions.length
      for (const outcome of tail) {
        outcomes.push(outcome)
        for (const f of outcome.document.flags) bump(stats.find((s) => s.stage === f.stage)!.flagged, f.code)
      }
      for (const outcome of outcomes) {
        totals.documents++
        if (outcome._tag === "Kept") totals.kept++
        else bump(totals.excluded, outcome.reason.code)
      }
      yield* catalog.persistChunk(runId, outcomes, [...fileProgress.values()], settled.demotions)
      yield* progress.update(() => {
        const seconds = (performance.now() - started) / 1000
        const mb = totals.bytesRead / 1e6
        return `processing: ${totals.files}/${pending.n} files, ${totals.documents} documents (${totals.kept} kept), ${mb.toFixed(1)} MB read, ${(mb / Math.max(seconds, 0.001)).toFixed(1)} MB/s`
      })
      ingestMark = performance.now()
    })

  yield* Stream.paginateChunkEffect(0, (afterId: number) =>
    catalog.pendingFiles(afterId, 500).pipe(
      Effect.map((files) => [Chunk.fromIterable(files), files.length === 500 ? Option.some(files[files.length - 1]!.fileId) : Option.none()] as const)
    )
  ).pipe(
    Stream.flatMap((file) => {
      const reader = readerFor(file.path, file.fields.reader)
      return reader ? reader.read(file, { maxDocumentBytes: settings.maxDocumentBytes, maxDepth: settings.maxXmlDepth }) : unsupported(file)
    }),
    Stream.grouped(settings.chunkDocuments),
    Stream.mapEffect((chunk) => processChunk(Chunk.toReadonlyArray(chunk))),
    Stream.runDrain
  )

  const millis = performance.now() - started
  const summary: ProcessSummary = { run: runId, ...totals, millis, stages: stats }
  yield* catalog.finishRun(runId, yield* nowIso, { files: totals.files, documents: totals.documents, kept: totals.kept, excluded: totals.excluded, ...(totals.demoted > 0 ? { demoted: totals.demoted } : {}) })
  yield* progress.done(
    totals.files === 0
      ? "processing: nothing new to process"
      : `processing: ${totals.files} files, ${totals.documents} documents, ${totals.kept} kept, ${totals.documents - totals.kept} excluded, ${(totals.bytesRead / 1e6).toFixed(1)} MB in ${(millis / 1000).toFixed(1)} s`
  )
  return summary
})

export const processPending = processPendingWith(processingStages)
