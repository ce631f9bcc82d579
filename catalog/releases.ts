import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { KeptRow, SourceRow } from "../domain/release-rows.ts"
import { Ledger } from "./ledger.ts"
import { fail, firstRowOf, rowsOf } from "./rows.ts"
import { inPages } from "./sql-pages.ts"

export const ReleaseRow = Schema.Struct({ name: Schema.String, manifest_sha256: Schema.String, out_dir: Schema.String })
export const ShardRow = Schema.Struct({ path: Schema.String, sha256: Schema.String, bytes: Schema.Number, documents: Schema.Number })
export type ShardRow = typeof ShardRow.Type
export const ReleaseListRow = Schema.Struct({
  name: Schema.String,
  created_at: Schema.String,
  manifest_sha256: Schema.String,
  out_dir: Schema.String,
  previous: Schema.NullOr(Schema.String),
  shards: Schema.Number,
  documents: Schema.Number
})
/** A withdrawn document as a release's tombstones.jsonl lists it. */
export const TombstoneRow = Schema.Struct({
  id: Schema.String,
  sha256: Schema.NullOr(Schema.String),
  institution: Schema.String,
  batch: Schema.String,
  document: Schema.String
})
const RecordIdRow = Schema.Struct({ record_id: Schema.String })

export interface NewRelease {
  readonly name: string
  readonly createdAt: string
  readonly manifestSha256: string
  readonly outDir: string
  readonly previous: string | null
  readonly shards: ReadonlyArray<ShardRow>
}

/** Releases: what goes into one (kept pages, duplicate sources, tombstones) and what was written (releases, their shards). */
export class Releases extends Effect.Service<Releases>()("acervo/catalog/Releases", {
  dependencies: [Ledger.Default],
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ledger = yield* Ledger

    /** Kept documents with their text, in release order, a page at a time (keyset on lang, id). */
    const keptPage = (after: { lang: string; recordId: string }, limit: number) =>
      sql`SELECT d.record_id, b.institution, b.batch_id, b.submitted_at, d.local_id, d.path, d.lang, d.lang_score, d.langs_json,
            d.text_sha256, d.license, d.license_use, d.attribution, d.profiles_json, d.fields_json, d.pii_json, d.annotations_json, t.body
          FROM documents d JOIN batches b ON b.seq = d.batch_seq JOIN texts t ON t.sha256 = d.text_sha256
          WHERE d.status = 'kept' AND (d.lang > ${after.lang} OR (d.lang = ${after.lang} AND d.record_id > ${after.recordId}))
          ORDER BY d.lang, d.record_id LIMIT ${limit}`.pipe(Effect.flatMap(rowsOf(KeptRow)), Effect.mapError(fail("reading kept documents")))

    /** The copies merged into these survivors, in the order a record lists them. */
    const duplicateSources = (survivors: ReadonlyArray<string>) =>
      inPages(survivors, (vs) =>
        sql`SELECT d.duplicate_of, b.institution, b.batch_id, d.local_id, d.path, d.reason_code, d.similarity, t.body
            FROM documents d JOIN batches b ON b.seq = d.batch_seq LEFT JOIN texts t ON t.sha256 = d.text_sha256
            WHERE ${sql.in("d.duplicate_of", vs)} ORDER BY d.duplicate_of, b.seq, d.path, d.line, d.record_id`.pipe(Effect.flatMap(rowsOf(SourceRow)))
      ).pipe(Effect.mapError(fail("reading duplicate sources")))

    const latestRelease = sql`SELECT name, manifest_sha256, out_dir FROM releases ORDER BY created_at DESC, rowid DESC LIMIT 1`.pipe(
      Effect.flatMap(firstRowOf(ReleaseRow)),
      Effect.mapError(fail("reading releases"))
    )

    /** A release as recorded, its shards, and every record withdrawn so far: what `audit verify` checks a release folder against. */
    const release = (name: string) =>
      Effect.all({
        release: sql`SELECT name, manifest_sha256 FROM releases WHERE name = ${name}`.pipe(
          Effect.flatMap(firstRowOf(Schema.Struct({ name: Schema.String, manifest_sha256: Schema.String })))
        ),
        shards: sql`SELECT path, sha256, bytes, documents FROM release_shards WHERE release = ${name} ORDER BY path`.pipe(Effect.flatMap(rowsOf(ShardRow))),
        withdrawn: sql`SELECT record_id FROM documents WHERE stage = 'withdraw'`.pipe(
          Effect.flatMap(rowsOf(RecordIdRow)),
          Effect.map((rows) => rows.map((r) => r.record_id))
        )
      }).pipe(Effect.mapError(fail("reading a release")))

    /** Records a written release (replacing one of the same name) and its shards, with a ledger entry, in one transaction. */
    const recordRelease = (r: NewRelease) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`DELETE FROM release_shards WHERE release = ${r.name}`
            yield* sql`DELETE FROM releases WHERE name = ${r.name}`
            yield* sql`INSERT INTO releases ${sql.insert({ name: r.name, created_at: r.createdAt, manifest_sha256: r.manifestSha256, out_dir: r.outDir, previous: r.previous })}`
            for (const s of r.shards) yield* sql`INSERT INTO release_shards ${sql.insert({ release: r.name, ...s })}`
            yield* ledger.append(r.createdAt, { kind: "release-written", release: r.name, manifest_sha256: r.manifestSha256, shards: r.shards.length })
          })
        )
        .pipe(Effect.mapError(fail("recording the release")))

    /** Every withdrawn document, for a release's tombstones.jsonl: id, text hash and where it came from. */
    const tombstones = sql`
        SELECT d.record_id AS id, d.text_sha256 AS sha256, b.institution, b.batch_id AS batch, d.local_id AS document
        FROM documents d JOIN batches b ON b.seq = d.batch_seq WHERE d.stage = 'withdraw' ORDER BY d.record_id`.pipe(
      Effect.flatMap(rowsOf(TombstoneRow)),
      Effect.mapError(fail("reading withdrawn documents"))
    )

    const releases = sql`
        SELECT r.name, r.created_at, r.manifest_sha256, r.out_dir, r.previous, count(s.path) AS shards, coalesce(sum(s.documents), 0) AS documents
        FROM releases r LEFT JOIN release_shards s ON s.release = r.name GROUP BY r.name ORDER BY r.created_at, r.rowid`.pipe(
      Effect.flatMap(rowsOf(ReleaseListRow)),
      Effect.mapError(fail("listing releases"))
    )

    return { keptPage, duplicateSources, latestRelease, release, recordRelease, tombstones, releases } as const
  })
}) {}
