import { Chunk, Effect, Option, Stream } from "effect"
import { excluded, type PipelineDocument, type StageName, type StageOutcome } from "../domain/document.ts"
import { recordIdOf } from "../domain/hashing.ts"
import { readerFor } from "../stages/ingest/readers/index.ts"
import { rejected, type FileToRead, type IngestItem } from "../stages/ingest/reader.ts"
import { stages as stageList, type StageError, type StageServices } from "../stages/index.ts"
import type { AnyStage, ChunkWork } from "../stages/stage.ts"
import { Batches } from "../catalog/batches.ts"
import { Documents, type FileProgress } from "../catalog/documents.ts"
import { nowIso } from "./clock.ts"
import { configSha256, Settings, StageSettings } from "./config.ts"
import { Progress } from "./progress.ts"
import { PurePool } from "./workers/pool.ts"

export interface StageStats {
  stage: StageName
  documents: number
  characters: number
  /** Milliseconds of work in the stage, summed over the threads that did it. */
  millis: number
  /** Of which in its pure part, in the worker pool. */
  pureMillis: number
  excluded: Record<string, number>
  flagged: Record<string, number>
}

export interface ProcessSummary {
  readonly run: number
  readonly files: number
  readonly documents: number
  /**
   * What the catalog keeps now that it did not before this run: documents kept, less the earlier
   * survivors that a copy of this run replaced (`counts.demoted`), so that it adds up with `status`.
   */
  readonly kept: number
  /** This run's exclusions by reason; earlier survivors replaced by a copy of this run count as `near-duplicate`. */
  readonly excluded: Record<string, number>
  /** What stages counted while settling chunks (`demoted`: survivors from earlier runs replaced by a copy of this run). */
  readonly counts: Record<string, number>
  readonly bytesRead: number
  readonly millis: number
  /** Worker threads that ran the pure stages (0: the main thread). */
  readonly workers: number
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

/** A document whose id was already used in the catalog or earlier in the chunk is kept apart, not merged. */
const reusedId = (d: PipelineDocument): StageOutcome => {
  const where = `${d.source.path}${d.source.line ? `#L${d.source.line}` : ""}`
  const recordId = recordIdOf(d.source.institution, d.source.batch, `${d.source.document}@${where}`)
  return {
    _tag: "Excluded",
    document: { ...d, recordId },
    reason: { stage: "ingest", code: "duplicate-id", detail: `document id "${d.source.document}" at ${where} is already used by another document of this batch; give each document its own id` }
  }
}

/** One chunk as read: its items, and the documents the pure stages work on. */
interface ReadChunk {
  readonly items: ReadonlyArray<IngestItem>
  readonly documents: ReadonlyArray<PipelineDocument>
}

/**
 * The processing phase. Pending files are read a chunk of documents at a time; every stage's pure
 * part works on the chunks in the worker pool, several chunks at once; the stateful parts then take
 * the chunks one after the other in submission order, and each chunk's outcomes are committed with
 * the files' progress in one transaction. A crash loses at most the chunks in flight; the next run
 * resumes after the last committed one. Output does not depend on the number of workers: pure work
 * is a function of one document, and everything that compares documents happens in order here.
 */
export const processPendingWith = (stages: ReadonlyArray<AnyStage<StageServices, StageError>>, scope: { readonly batchSeq?: number } = {}) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const allConfigs = yield* StageSettings
    const catalog = yield* Documents
    const batches = yield* Batches
    const progress = yield* Progress
    const pool = yield* PurePool
    const configs = stages.map((s) => allConfigs[stageList.indexOf(s)])
    const startedAt = yield* nowIso
    const runContext = { startedAt: new Date(startedAt) }
    const work: Array<ChunkWork<StageServices, StageError> | undefined> = []
    for (const [i, stage] of stages.entries()) work.push(stage.prepare ? yield* stage.prepare(configs[i], runContext) : undefined)
    const runId = yield* catalog.startRun(startedAt, configSha256(settings, allConfigs))
    const pending = scope.batchSeq === undefined ? yield* batches.countPendingFiles : yield* batches.countPendingFilesOf(scope.batchSeq)
    const pureNames = stages.filter((s) => s.pure).map((s) => s.name)
    const pureConfigs = stages.flatMap((s, i) => (s.pure ? [configs[i]] : []))

    const stats: Array<StageStats> = [
      { stage: "ingest", documents: 0, characters: 0, millis: 0, pureMillis: 0, excluded: {}, flagged: {} },
      ...stages.map((s): StageStats => ({ stage: s.name, documents: 0, characters: 0, millis: 0, pureMillis: 0, excluded: {}, flagged: {} }))
    ]
    const statsOf = new Map(stats.map((s) => [s.stage, s]))
    const ingestStats = stats[0]!
    const totals = { files: 0, documents: 0, kept: 0, bytesRead: 0, excluded: {} as Record<string, number>, counts: {} as Record<string, number> }
    const started = performance.now()
    let readMark = performance.now()

    /** The stateful parts after stage `from`, on one document: what a stage's settle asks again. */
    const judgeFrom = (from: number) => (doc: PipelineDocument) =>
      Effect.gen(function* () {
        let current: StageOutcome = { _tag: "Kept", document: doc }
        for (let k = from + 1; k < stages.length && current._tag === "Kept"; k++) {
          const w = work[k]
          if (w) current = (yield* w.process([current.document]))[0]!
        }
        return current
      })

    const stateful = (read: ReadChunk, pure: ReadonlyArray<StageOutcome>) =>
      Effect.gen(function* () {
        const ids = read.documents.map((d) => d.recordId)
        const existing = yield* catalog.existingRecordIds(ids)
        const seen = new Set<string>()
        const outcomes: Array<StageOutcome> = []
        const fileProgress = new Map<number, FileProgress>()
        let current: Array<PipelineDocument> = []
        let d = 0
        for (const item of read.items) {
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
            continue
          }
          const outcome = pure[d++]!
          const id = item.document.recordId
          if (existing.has(id) || seen.has(id)) {
            const apart = reusedId(item.document)
            seen.add(apart.document.recordId)
            outcomes.push(apart)
            bump(ingestStats.excluded, "duplicate-id")
            continue
          }
          seen.add(id)
          if (outcome._tag === "Kept") current.push(outcome.document)
          else outcomes.push(outcome)
        }
        let tail: Array<StageOutcome> = []
        for (const [k, w] of work.entries()) {
          if (!w) continue
          const s = stats[k + 1]!
          const t0 = performance.now()
          if (!stages[k]!.pure) {
            s.documents += current.length
            for (const doc of current) s.characters += doc.text.length
          }
          const result = yield* w.process(current)
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
        for (const doc of current) tail.push({ _tag: "Kept", document: doc })
        for (const [k, w] of work.entries()) {
          if (!w?.settle) continue
          const t0 = performance.now()
          const settled = yield* w.settle(tail, judgeFrom(k))
          stats[k + 1]!.millis += performance.now() - t0
          tail = [...settled.outcomes]
          for (const [name, n] of Object.entries(settled.counts ?? {})) bump(totals.counts, name, n)
        }
        outcomes.push(...tail)
        for (const outcome of outcomes) {
          for (const f of outcome.document.flags) {
            const s = statsOf.get(f.stage)
            if (s) bump(s.flagged, f.code)
          }
          totals.documents++
          if (outcome._tag === "Kept") totals.kept++
          else bump(totals.excluded, outcome.reason.code)
        }
        const commits = work.flatMap((w) => (w?.commit ? [w.commit(outcomes)] : []))
        yield* catalog.transaction(Effect.all([catalog.persistChunk(runId, outcomes, [...fileProgress.values()]), ...commits], { discard: true }))
        yield* progress.update(() => {
          const seconds = (performance.now() - started) / 1000
          const mb = totals.bytesRead / 1e6
          return `processing: ${totals.files}/${pending.n} files, ${totals.documents} documents (${totals.kept} kept), ${mb.toFixed(1)} MB read, ${(mb / Math.max(seconds, 0.001)).toFixed(1)} MB/s`
        })
      })

    const pureWork = (read: ReadChunk) =>
      pool.run(pureNames, pureConfigs, read.documents).pipe(
        Effect.map((result) => {
          for (const s of result.stats) {
            const mine = statsOf.get(s.stage)!
            mine.documents += s.documents
            mine.characters += s.characters
            mine.millis += s.millis
            mine.pureMillis += s.millis
            for (const [code, n] of Object.entries(s.excluded)) bump(mine.excluded, code, n)
          }
          return { read, outcomes: result.outcomes }
        })
      )

    yield* Stream.paginateChunkEffect(0, (afterId: number) =>
      batches.pendingFiles(afterId, 500, scope.batchSeq).pipe(
        Effect.map((files) => [Chunk.fromIterable(files), files.length === 500 ? Option.some(files[files.length - 1]!.fileId) : Option.none()] as const)
      )
    ).pipe(
      Stream.flatMap((file) => {
        const reader = readerFor(file.path, file.fields.reader)
        return reader ? reader.read(file, { maxDocumentBytes: settings.maxDocumentBytes, maxDepth: settings.maxXmlDepth, documentTimeoutSeconds: settings.documentTimeoutSeconds, maxJsonDepth: settings.maxJsonDepth, maxPdfPages: settings.maxPdfPages, maxPdfBytes: settings.maxPdfBytes }) : unsupported(file)
      }),
      Stream.grouped(settings.chunkDocuments),
      Stream.map((chunk): ReadChunk => {
        const items = Chunk.toReadonlyArray(chunk)
        ingestStats.millis += performance.now() - readMark
        const read = { items, documents: items.flatMap((i) => (i._tag === "Document" ? [i.document] : [])) }
        readMark = performance.now()
        return read
      }),
      // Chunks in flight in the pool: one per worker and one more, so that none waits for the reader.
      Stream.mapEffect(pureWork, { concurrency: Math.max(1, pool.size + 1) }),
      Stream.mapEffect(({ read, outcomes }) => stateful(read, outcomes)),
      Stream.runDrain
    )

    const millis = performance.now() - started
    const demoted = totals.counts["demoted"] ?? 0
    const excludedWithDemoted = demoted > 0 ? { ...totals.excluded, "near-duplicate": (totals.excluded["near-duplicate"] ?? 0) + demoted } : totals.excluded
    const summary: ProcessSummary = { run: runId, ...totals, kept: totals.kept - demoted, excluded: excludedWithDemoted, millis, workers: pool.size, stages: stats }
    yield* catalog.finishRun(runId, yield* nowIso, {
      files: totals.files,
      documents: totals.documents,
      kept: totals.kept,
      excluded: totals.excluded,
      ...Object.fromEntries(Object.entries(totals.counts).filter(([, n]) => n > 0))
    })
    yield* progress.done(
      totals.files === 0
        ? "processing: nothing new to process"
        : `processing: ${totals.files} files, ${totals.documents} documents, ${summary.kept} kept, ${totals.documents - totals.kept} excluded${demoted > 0 ? ` (and ${demoted} kept earlier now merged into a copy from this run, as near-duplicates)` : ""}, ${(totals.bytesRead / 1e6).toFixed(1)} MB in ${(millis / 1000).toFixed(1)} s`
    )
    return summary
  })

export const processPending = processPendingWith(stageList)

/**
 * One batch's pending files, as `processPending` would take them: the intake server's background
 * runs, one batch at a time, so that a batch that fails stops only itself.
 */
export const processBatch = (batchSeq: number) => processPendingWith(stageList, { batchSeq })

