import * as SqlClient from "@effect/sql/SqlClient"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqliteMigrator from "@effect/sql-sqlite-node/SqliteMigrator"
import { Effect, Layer } from "effect"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import type { BagInfo } from "../pipeline/batch/bagit.ts"
import type { DocumentFields } from "../domain/batch-schema.ts"
import { CatalogError } from "../pipeline/errors.ts"
import { canonicalJson } from "../domain/hashing.ts"
import type { FileToRead } from "../stages/ingest/reader.ts"
import type { Note, StageOutcome } from "../domain/document.ts"
import { chainHash, firstBrokenEntry, GENESIS_HASH, type LedgerRow } from "./ledger.ts"
import { dedupIndexLayer } from "./dedup-index.ts"
import { migrations } from "./migrations.ts"

export interface BatchRow {
  readonly seq: number
  readonly institution: string
  readonly batch_id: string
  readonly content_sha256: string
  readonly title: string | null
  readonly collection: string | null
  readonly stored_path: string
  readonly submitted_at: string
  readonly bag_info_json: string | null
}

/** A batch with its file and document counts, as `batches` lists them. */
export type BatchListRow = BatchRow & { files: number; pending: number; kept: number; excluded: number; withdrawn: number }

export interface BatchDocumentRow {
  readonly record_id: string
  readonly local_id: string
  readonly path: string
  readonly line: number
  readonly status: string
  readonly stage: string
  readonly reason_code: string | null
  readonly lang: string | null
  readonly duplicate_of: string | null
  readonly similarity: number | null
}

export interface NewFile {
  readonly path: string
  readonly format: string | null
  readonly bytes: number
  readonly sha256: string
  readonly documentId: string | undefined
  readonly fields: DocumentFields
}

export interface KeptRow {
  readonly record_id: string
  readonly institution: string
  readonly batch_id: string
  readonly submitted_at: string
  readonly local_id: string
  readonly path: string
  readonly lang: string
  readonly lang_score: number | null
  readonly langs_json: string
  readonly text_sha256: string
  readonly license: string
  readonly license_use: string
  readonly attribution: number
  readonly profiles_json: string
  readonly fields_json: string
  readonly pii_json: string | null
  readonly body: string
}

export interface SourceRow {
  readonly duplicate_of: string
  readonly institution: string
  readonly batch_id: string
  readonly local_id: string
  readonly path: string
  readonly reason_code: string | null
  readonly similarity: number | null
  /** The copy's stored text, for its similarity with the survivor. */
  readonly body: string | null
}

export interface FileProgress {
  readonly fileId: number
  readonly units: number
  readonly done: boolean
}

const fail = (operation: string) => (cause: unknown) => new CatalogError({ operation, cause })

const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // WAL with NORMAL sync survives a killed process intact; only an OS crash can lose the last commit.
  yield* sql.unsafe("PRAGMA synchronous = NORMAL").pipe(Effect.orDie)

  const appendLedger = (at: string, kind: string, entry: unknown) =>
    Effect.gen(function* () {
      const last = yield* sql<{ seq: number; hash: string }>`SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`
      const prevHash = last[0]?.hash ?? GENESIS_HASH
      const seq = (last[0]?.seq ?? 0) + 1
      const hash = chainHash(prevHash, { seq, at, kind, entry })
      yield* sql`INSERT INTO ledger ${sql.insert({ seq, at, kind, entry_json: canonicalJson(entry), prev_hash: prevHash, hash })}`
    })

  const findBatchByContent = (sha256: string) =>
    sql<BatchRow>`SELECT * FROM batches WHERE content_sha256 = ${sha256}`.pipe(
      Effect.map((rows) => rows[0]),
      Effect.mapError(fail("looking up a batch"))
    )

  const findBatch = (institution: string, batchId: string) =>
    sql<BatchRow>`SELECT * FROM batches WHERE institution = ${institution} AND batch_id = ${batchId}`.pipe(
      Effect.map((rows) => rows[0]),
      Effect.mapError(fail("looking up a batch"))
    )

  const registerBatch = (batch: {
    institution: string
    batchId: string
    contentSha256: string
    title: string | undefined
    collection: string | undefined
    manifestJson: string
    storedPath: string
    submittedAt: string
    files: ReadonlyArray<NewFile>
    bagInfo?: BagInfo | undefined
  }) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          const inserted = yield* sql<{ seq: number }>`INSERT INTO batches ${sql.insert({
            institution: batch.institution,
            batch_id: batch.batchId,
            content_sha256: batch.contentSha256,
            title: batch.title ?? null,
            collection: batch.collection ?? null,
            manifest_json: batch.manifestJson,
            stored_path: batch.storedPath,
            submitted_at: batch.submittedAt,
            bag_info_json: batch.bagInfo ? canonicalJson(batch.bagInfo) : null
          })} RETURNING seq`
          const seq = inserted[0]!.seq
          for (let i = 0; i < batch.files.length; i += 200) {
            const rows = batch.files.slice(i, i + 200).map((f) => ({
              batch_seq: seq,
              path: f.path,
              format: f.format,
              bytes: f.bytes,
              sha256: f.sha256,
              document_id: f.documentId ?? null,
              fields_json: canonicalJson(f.fields)
            }))
            yield* sql`INSERT INTO files ${sql.insert(rows)}`
          }
          yield* appendLedger(batch.submittedAt, "batch-submitted", {
            institution: batch.institution,
            batch: batch.batchId,
            sha256: batch.contentSha256,
            files: batch.files.length,
            ...(batch.bagInfo ? { bag: batch.bagInfo.fields } : {})
          })
          return seq
        })
      )
      .pipe(Effect.mapError(fail("registering the batch")))

  const pendingFiles = (afterId: number, limit: number) =>
    sql<{
      id: number
      batch_seq: number
      institution: string
      batch_id: string
      stored_path: string
      path: string
      sha256: string
      bytes: number
      document_id: string | null
      fields_json: string
      done_units: number
    }>`SELECT f.id, f.batch_seq, b.institution, b.batch_id, b.stored_path, f.path, f.sha256, f.bytes, f.document_id, f.fields_json, f.done_units
       FROM files f JOIN batches b ON b.seq = f.batch_seq
       WHERE f.status = 'pending' AND f.id > ${afterId} ORDER BY f.id LIMIT ${limit}`.pipe(
      Effect.map((rows) =>
        rows.map(
          (r): FileToRead => ({
            fileId: r.id,
            institution: r.institution,
            batchId: r.batch_id,
            batchSeq: r.batch_seq,
            path: r.path,
            storedPath: join(r.stored_path, r.path),
            sha256: r.sha256,
            bytes: r.bytes,
            documentId: r.document_id ?? undefined,
            fields: JSON.parse(r.fields_json) as DocumentFields,
            doneUnits: r.done_units
          })
        )
      ),
      Effect.mapError(fail("listing pending files"))
    )

  const countPendingFiles = sql<{ n: number }>`SELECT count(*) AS n FROM files WHERE status = 'pending'`.pipe(
    Effect.map((rows) => rows[0] ?? { n: 0 }),
    Effect.mapError(fail("counting pending files"))
  )

  const inList = <A>(values: ReadonlyArray<A>, query: (vs: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<Record<string, unknown>>, unknown>) =>
    Effect.forEach(
      Array.from({ length: Math.ceil(values.length / 500) }, (_, i) => values.slice(i * 500, i * 500 + 500)),
      query
    ).pipe(Effect.map((pages) => pages.flat()))

  const existingRecordIds = (ids: ReadonlyArray<string>) =>
    inList(ids, (vs) => sql`SELECT record_id FROM documents WHERE ${sql.in("record_id", vs)}`).pipe(
      Effect.map((rows) => new Set(rows.map((r) => r["record_id"] as string))),
      Effect.mapError(fail("checking record ids"))
    )

  const noteRows = (recordId: string, kind: "exclusion" | "flag", notes: ReadonlyArray<Note>) =>
    notes.map((n) => ({ record_id: recordId, kind, stage: n.stage, code: n.code, detail: n.detail }))

  /** Writes one processed chunk and the files' progress in one transaction: all of it or none. */
  const persistChunk = (runId: number, entries: ReadonlyArray<StageOutcome>, progress: ReadonlyArray<FileProgress>) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          for (let i = 0; i < entries.length; i += 100) {
            const page = entries.slice(i, i + 100)
            const docs = page.map((outcome) => {
              const d = outcome.document
              const isKept = outcome._tag === "Kept"
              return {
                record_id: d.recordId,
                batch_seq: d.source.batchSeq,
                file_id: d.fileId,
                local_id: d.source.document,
                path: d.source.path,
                line: d.source.line,
                status: isKept ? "kept" : "excluded",
                stage: isKept ? "gate" : outcome.reason.stage,
                reason_code: isKept ? null : outcome.reason.code,
                lang: d.language?.lang ?? null,
                lang_score: d.language?.score ?? null,
                langs_json: d.language ? canonicalJson(d.language.langs) : null,
                declared_lang: d.language?.declared ?? d.fields.language ?? null,
                detected_lang: d.language?.detected ?? null,
                encoding: d.encoding || null,
                raw_bytes: d.rawBytes,
                chars: d.text.length,
                text_sha256: d.textSha256 ?? null,
                dedup_key: d.dedupKey ?? null,
                duplicate_of: d.duplicateOf ?? null,
                similarity: d.similarity ?? null,
                license: d.gate?.license ?? d.fields.license ?? null,
                license_use: d.gate?.licenseUse ?? null,
                attribution: d.gate ? (d.gate.attribution ? 1 : 0) : null,
                profiles_json: d.gate ? JSON.stringify(d.gate.profiles) : null,
                fields_json: canonicalJson(d.fields),
                pii_json: d.pii ? canonicalJson(d.pii) : null,
                quality_json: d.quality ? canonicalJson(d.quality) : null,
                annotations_json: d.annotations ? canonicalJson(d.annotations) : null,
                run_id: runId
              }
            })
            yield* sql`INSERT INTO documents ${sql.insert(docs)}`
            const notes = page.flatMap((outcome) => [
              ...noteRows(outcome.document.recordId, "flag", outcome.document.flags),
              ...(outcome._tag === "Excluded" ? noteRows(outcome.document.recordId, "exclusion", [outcome.reason]) : [])
            ])
            if (notes.length > 0) yield* sql`INSERT INTO notes ${sql.insert(notes)}`
            // Texts of duplicates are kept too: a withdrawn survivor's copy must be able to stand in.
            const texts = page
              .filter((outcome) => outcome.document.textSha256 && (outcome._tag === "Kept" || outcome.document.duplicateOf))
              .map((outcome) => ({ sha256: outcome.document.textSha256!, body: outcome.document.text }))
            for (const t of texts) yield* sql`INSERT OR IGNORE INTO texts ${sql.insert(t)}`
          }
          for (const p of progress) {
            yield* sql`UPDATE files SET done_units = ${p.units}, status = ${p.done ? "done" : "pending"} WHERE id = ${p.fileId}`
          }
        })
      )
      .pipe(Effect.mapError(fail("saving processed documents")))

  const startRun = (at: string, configSha256: string) =>
    sql<{ id: number }>`INSERT INTO runs ${sql.insert({ started_at: at, status: "running", config_sha256: configSha256 })} RETURNING id`.pipe(
      Effect.map((rows) => rows[0]!.id),
      Effect.mapError(fail("starting a run"))
    )

  const finishRun = (id: number, at: string, summary: Record<string, unknown>) =>
    sql
      .withTransaction(
        Effect.zipRight(
          sql`UPDATE runs SET finished_at = ${at}, status = 'finished' WHERE id = ${id}`,
          appendLedger(at, "run-finished", { run: id, ...summary })
        )
      )
      .pipe(Effect.mapError(fail("finishing the run")))

  /** Kept documents with their text, in release order, a page at a time (keyset on lang, id). */
  const keptPage = (after: { lang: string; recordId: string }, limit: number) =>
    sql<KeptRow>`SELECT d.record_id, b.institution, b.batch_id, b.submitted_at, d.local_id, d.path, d.lang, d.lang_score, d.langs_json,
         d.text_sha256, d.license, d.license_use, d.attribution, d.profiles_json, d.fields_json, d.pii_json, t.body
       FROM documents d JOIN batches b ON b.seq = d.batch_seq JOIN texts t ON t.sha256 = d.text_sha256
       WHERE d.status = 'kept' AND (d.lang > ${after.lang} OR (d.lang = ${after.lang} AND d.record_id > ${after.recordId}))
       ORDER BY d.lang, d.record_id LIMIT ${limit}`.pipe(Effect.mapError(fail("reading kept documents")))

  const duplicateSources = (survivors: ReadonlyArray<string>) =>
    inList(
      survivors,
      (vs) => sql`SELECT d.duplicate_of, b.institution, b.batch_id, d.local_id, d.path, d.reason_code, d.similarity, t.body
                  FROM documents d JOIN batches b ON b.seq = d.batch_seq LEFT JOIN texts t ON t.sha256 = d.text_sha256
                  WHERE ${sql.in("d.duplicate_of", vs)} ORDER BY d.duplicate_of, b.seq, d.path, d.line, d.record_id`
    ).pipe(
      Effect.map((rows) => rows as unknown as ReadonlyArray<SourceRow>),
      Effect.mapError(fail("reading duplicate sources"))
    )

  const countsByCode = (kind: "exclusion" | "flag", batchSeq?: number) =>
    (batchSeq === undefined
      ? sql<{ code: string; stage: string; n: number }>`SELECT code, stage, count(*) AS n FROM notes WHERE kind = ${kind} GROUP BY code, stage ORDER BY code`
      : sql<{ code: string; stage: string; n: number }>`SELECT n.code, n.stage, count(*) AS n FROM notes n JOIN documents d ON d.record_id = n.record_id
          WHERE n.kind = ${kind} AND d.batch_seq = ${batchSeq} GROUP BY n.code, n.stage ORDER BY n.code`
    ).pipe(Effect.mapError(fail("counting notes")))

  const exclusionsByLanguage = (stage: string) =>
    sql<{ code: string; lang: string | null; n: number }>`SELECT n.code, d.lang, count(*) AS n FROM notes n JOIN documents d USING (record_id)
       WHERE n.kind = 'exclusion' AND n.stage = ${stage} GROUP BY n.code, d.lang ORDER BY n.code, d.lang`.pipe(Effect.mapError(fail("counting exclusions by language")))

  const batches = sql<BatchListRow>`
      SELECT b.*, (SELECT count(*) FROM files f WHERE f.batch_seq = b.seq) AS files,
        (SELECT count(*) FROM files f WHERE f.batch_seq = b.seq AND f.status = 'pending') AS pending,
        (SELECT count(*) FROM documents d WHERE d.batch_seq = b.seq AND d.status = 'kept') AS kept,
        (SELECT count(*) FROM documents d WHERE d.batch_seq = b.seq AND d.status = 'excluded') AS excluded,
        (SELECT count(*) FROM documents d WHERE d.batch_seq = b.seq AND d.stage = 'withdraw') AS withdrawn
      FROM batches b ORDER BY b.seq`.pipe(Effect.mapError(fail("listing batches")))

  const documentsByStage = (batchSeq?: number) =>
    (batchSeq === undefined
      ? sql<{ status: string; stage: string; n: number }>`SELECT status, stage, count(*) AS n FROM documents GROUP BY status, stage`
      : sql<{ status: string; stage: string; n: number }>`SELECT status, stage, count(*) AS n FROM documents WHERE batch_seq = ${batchSeq} GROUP BY status, stage`
    ).pipe(Effect.mapError(fail("counting documents")))

  const keptByLanguage = sql<{ lang: string; n: number; chars: number }>`SELECT lang, count(*) AS n, sum(chars) AS chars FROM documents WHERE status = 'kept' GROUP BY lang ORDER BY lang`.pipe(
    Effect.mapError(fail("counting documents by language"))
  )

  const latestRelease = sql<{ name: string; manifest_sha256: string; out_dir: string }>`SELECT name, manifest_sha256, out_dir FROM releases ORDER BY created_at DESC, rowid DESC LIMIT 1`.pipe(
    Effect.map((rows) => rows[0]),
    Effect.mapError(fail("reading releases"))
  )

  const release = (name: string) =>
    Effect.all({
      release: sql<{ name: string; manifest_sha256: string }>`SELECT name, manifest_sha256 FROM releases WHERE name = ${name}`.pipe(Effect.map((r) => r[0])),
      shards: sql<{ path: string; sha256: string; bytes: number; documents: number }>`SELECT path, sha256, bytes, documents FROM release_shards WHERE release = ${name} ORDER BY path`,
      withdrawn: sql<{ record_id: string }>`SELECT record_id FROM documents WHERE stage = 'withdraw'`.pipe(Effect.map((rows) => rows.map((r) => r.record_id)))
    }).pipe(Effect.mapError(fail("reading a release")))

  const recordRelease = (r: {
    name: string
    createdAt: string
    manifestSha256: string
    outDir: string
    previous: string | null
    shards: ReadonlyArray<{ path: string; sha256: string; bytes: number; documents: number }>
  }) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          yield* sql`DELETE FROM release_shards WHERE release = ${r.name}`
          yield* sql`DELETE FROM releases WHERE name = ${r.name}`
          yield* sql`INSERT INTO releases ${sql.insert({ name: r.name, created_at: r.createdAt, manifest_sha256: r.manifestSha256, out_dir: r.outDir, previous: r.previous })}`
          for (const s of r.shards) yield* sql`INSERT INTO release_shards ${sql.insert({ release: r.name, ...s })}`
          yield* appendLedger(r.createdAt, "release-written", { release: r.name, manifest_sha256: r.manifestSha256, shards: r.shards.length })
        })
      )
      .pipe(Effect.mapError(fail("recording the release")))

  /** Every withdrawn document, for a release's tombstones.jsonl: id, text hash and where it came from. */
  const tombstones = sql<{ id: string; sha256: string | null; institution: string; batch: string; document: string }>`
      SELECT d.record_id AS id, d.text_sha256 AS sha256, b.institution, b.batch_id AS batch, d.local_id AS document
      FROM documents d JOIN batches b ON b.seq = d.batch_seq WHERE d.stage = 'withdraw' ORDER BY d.record_id`.pipe(Effect.mapError(fail("reading withdrawn documents")))

  const verifyLedger = sql<LedgerRow>`SELECT * FROM ledger ORDER BY seq`.pipe(
    Effect.map((rows) => ({ entries: rows.length, broken: firstBrokenEntry(rows) })),
    Effect.mapError(fail("reading the ledger"))
  )

  /** One page of a batch's documents in record-id order, with their exclusion and flag notes. */
  const batchDocuments = (batchSeq: number, afterRecordId: string, limit: number) =>
    Effect.gen(function* () {
      const docs = yield* sql<BatchDocumentRow>`SELECT record_id, local_id, path, line, status, stage, reason_code, lang, duplicate_of, similarity
        FROM documents WHERE batch_seq = ${batchSeq} AND record_id > ${afterRecordId} ORDER BY record_id LIMIT ${limit}`
      const notes = docs.length === 0
        ? []
        : yield* sql<{ record_id: string; kind: string; stage: string; code: string; detail: string }>`SELECT record_id, kind, stage, code, detail FROM notes
            WHERE ${sql.in("record_id", docs.map((d) => d.record_id))} ORDER BY rowid`
      return { docs, notes }
    }).pipe(Effect.mapError(fail("listing a batch's documents")))

  const pendingFilesOf = (batchSeq: number, limit: number) =>
    sql<{ path: string; format: string | null; bytes: number }>`SELECT path, format, bytes FROM files WHERE batch_seq = ${batchSeq} AND status = 'pending' ORDER BY path LIMIT ${limit}`.pipe(
      Effect.mapError(fail("listing a batch's pending files"))
    )

  /** The institution and batch a record belongs to, for checking who may see or withdraw it. */
  const recordOwner = (recordId: string) =>
    sql<{ institution: string; batch_id: string }>`SELECT b.institution, b.batch_id FROM documents d JOIN batches b ON b.seq = d.batch_seq WHERE d.record_id = ${recordId}`.pipe(
      Effect.map((rows) => rows[0]),
      Effect.mapError(fail("looking up a record"))
    )

  const releases = sql<{ name: string; created_at: string; manifest_sha256: string; out_dir: string; previous: string | null; shards: number; documents: number }>`
      SELECT r.name, r.created_at, r.manifest_sha256, r.out_dir, r.previous, count(s.path) AS shards, coalesce(sum(s.documents), 0) AS documents
      FROM releases r LEFT JOIN release_shards s ON s.release = r.name GROUP BY r.name ORDER BY r.created_at, r.rowid`.pipe(Effect.mapError(fail("listing releases")))

  return {
    sql,
    findBatchByContent,
    batchDocuments,
    pendingFilesOf,
    recordOwner,
    releases,
    findBatch,
    registerBatch,
    pendingFiles,
    countPendingFiles,
    existingRecordIds,
    persistChunk,
    /** Runs `effect` in one transaction with whatever else it writes to this catalog. */
    transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => sql.withTransaction(effect).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(fail("saving processed documents")(e)))),
    startRun,
    finishRun,
    keptPage,
    duplicateSources,
    countsByCode,
    exclusionsByLanguage,
    batches,
    documentsByStage,
    keptByLanguage,
    latestRelease,
    release,
    recordRelease,
    verifyLedger,
    tombstones,
    appendLedgerEntry: (at: string, kind: string, entry: unknown) => appendLedger(at, kind, entry).pipe(Effect.mapError(fail("writing the ledger")))
  } as const
})

export class Catalog extends Effect.Service<Catalog>()("acervo/Catalog", { effect: make }) {}

/** The catalog at `<home>/catalog.db`, migrated before first use. */
export const catalogLayer = (home: string) => {
  const client = Layer.unwrapEffect(
    Effect.sync(() => {
      mkdirSync(home, { recursive: true })
      return SqliteClient.layer({ filename: join(home, "catalog.db") })
    })
  )
  const migrated = SqliteMigrator.layer({ loader: SqliteMigrator.fromRecord(migrations) }).pipe(
    Layer.provide(NodeContext.layer),
    Layer.orDie,
    Layer.provideMerge(client)
  )
  return Layer.mergeAll(Catalog.Default, dedupIndexLayer).pipe(Layer.provideMerge(migrated))
}
