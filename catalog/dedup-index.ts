import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer, Schema } from "effect"
import { StoredDocumentFields } from "../domain/batch-schema.ts"
import { DedupIndex, DedupIndexError, type StoredSurvivor } from "../stages/dedup/dedup-index.ts"
import { noiseOf } from "../stages/dedup/survivor.ts"
import { inPages } from "./sql-pages.ts"

const fail = (operation: string) => (cause: unknown) => new DedupIndexError({ operation, cause })

const BucketRow = Schema.Struct({ bucket: Schema.Number, record_id: Schema.String })
const IndexedRow = Schema.Struct({ record_id: Schema.String, status: Schema.String, duplicate_of: Schema.NullOr(Schema.String) })
const ShinglesRow = Schema.Struct({ record_id: Schema.String, shingles: Schema.NullOr(Schema.Uint8ArrayFromSelf), body: Schema.NullOr(Schema.String) })
const SurvivorRow = Schema.Struct({
  record_id: Schema.String,
  batch_seq: Schema.Number,
  institution: Schema.String,
  path: Schema.String,
  line: Schema.Number,
  fields_json: Schema.parseJson(StoredDocumentFields),
  quality_json: Schema.NullOr(Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.Unknown }))),
  dedup_key: Schema.String
})
const KeyRow = Schema.Struct({ dedup_key: Schema.String, survivor: Schema.String })
const ParamsRow = Schema.Struct({ params_json: Schema.String })

/** Shingles as stored: the Uint32Array's bytes, little-endian (every platform Node runs on). */
const toBlob = (set: Uint32Array) => new Uint8Array(set.buffer, set.byteOffset, set.byteLength)
const fromBlob = (blob: Uint8Array) => {
  const copy = new Uint8Array(blob)
  return new Uint32Array(copy.buffer, 0, copy.byteLength >>> 2)
}

/** The near-duplicate index over the catalog's tables: dedup_keys, lsh_buckets, dedup_shingles, dedup_index. */
export const dedupIndexLayer = Layer.effect(
  DedupIndex,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknown(Schema.Array(schema))
    return DedupIndex.of({
      builtWith: sql`SELECT params_json FROM dedup_index WHERE id = 1`.pipe(
        Effect.flatMap(decode(ParamsRow)),
        Effect.map((rows) => rows[0]?.params_json),
        Effect.mapError(fail("reading its parameters"))
      ),
      recordParams: (paramsJson) =>
        sql`INSERT OR REPLACE INTO dedup_index ${sql.insert({ id: 1, params_json: paramsJson })}`.pipe(Effect.asVoid, Effect.mapError(fail("recording its parameters"))),
      survivorsByKey: (keys) =>
        inPages(keys, (vs) => sql`SELECT dedup_key, survivor FROM dedup_keys WHERE ${sql.in("dedup_key", vs)}`.pipe(Effect.flatMap(decode(KeyRow)))).pipe(
          Effect.map((rows) => new Map(rows.map((r) => [r.dedup_key, r.survivor]))),
          Effect.mapError(fail("looking up dedup keys"))
        ),
      candidates: (buckets) =>
        inPages(buckets, (vs) => sql`SELECT bucket, record_id FROM lsh_buckets WHERE ${sql.in("bucket", vs)}`.pipe(Effect.flatMap(decode(BucketRow)))).pipe(
          Effect.map((rows) => rows.map((r) => ({ bucket: r.bucket, recordId: r.record_id }))),
          Effect.mapError(fail("looking up candidates"))
        ),
      documents: (ids) =>
        inPages(ids, (vs) => sql`SELECT record_id, status, duplicate_of FROM documents WHERE ${sql.in("record_id", vs)}`.pipe(Effect.flatMap(decode(IndexedRow)))).pipe(
          Effect.map((rows) => rows.map((r) => ({ recordId: r.record_id, status: r.status, duplicateOf: r.duplicate_of }))),
          Effect.mapError(fail("reading candidates"))
        ),
      shingles: (ids) =>
        inPages(
          ids,
          (vs) =>
            sql`SELECT d.record_id, s.shingles, CASE WHEN s.shingles IS NULL THEN t.body END AS body
                FROM documents d LEFT JOIN dedup_shingles s ON s.record_id = d.record_id LEFT JOIN texts t ON t.sha256 = d.text_sha256
                WHERE ${sql.in("d.record_id", vs)}`.pipe(Effect.flatMap(decode(ShinglesRow)))
        ).pipe(
          Effect.map((rows) =>
            rows.map((r) => (r.shingles ? { recordId: r.record_id, shingles: fromBlob(r.shingles) } : { recordId: r.record_id, text: r.body ?? "" }))
          ),
          Effect.mapError(fail("reading candidates' shingles"))
        ),
      survivorFacts: (ids) =>
        inPages(
          ids,
          (vs) =>
            sql`SELECT d.record_id, d.batch_seq, b.institution, d.path, d.line, d.fields_json, d.quality_json, d.dedup_key
                FROM documents d JOIN batches b ON b.seq = d.batch_seq WHERE ${sql.in("d.record_id", vs)}`.pipe(Effect.flatMap(decode(SurvivorRow)))
        ).pipe(
          Effect.map((rows) =>
            rows.map(
              (r): StoredSurvivor => ({
                dedupKey: r.dedup_key,
                facts: {
                  recordId: r.record_id,
                  batchSeq: r.batch_seq,
                  institution: r.institution,
                  path: r.path,
                  line: r.line,
                  kind: r.fields_json.kind ?? null,
                  noise: noiseOf(r.quality_json),
                  words: typeof r.quality_json?.["words"] === "number" ? r.quality_json["words"] : 0
                }
              })
            )
          ),
          Effect.mapError(fail("reading survivors"))
        ),
      add: (entries) =>
        Effect.gen(function* () {
          for (let i = 0; i < entries.length; i += 100) {
            const page = entries.slice(i, i + 100)
            yield* sql`INSERT OR IGNORE INTO dedup_keys ${sql.insert(page.map((e) => ({ dedup_key: e.dedupKey, survivor: e.survivor })))}`
            const buckets = page.flatMap((e) => e.buckets.map((bucket) => ({ bucket, record_id: e.recordId })))
            for (let j = 0; j < buckets.length; j += 400) yield* sql`INSERT OR IGNORE INTO lsh_buckets ${sql.insert(buckets.slice(j, j + 400))}`
            const sets = page.filter((e) => e.shingles && e.shingles.length > 0).map((e) => ({ record_id: e.recordId, shingles: toBlob(e.shingles!) }))
            if (sets.length > 0) yield* sql`INSERT OR REPLACE INTO dedup_shingles ${sql.insert(sets)}`
          }
        }).pipe(Effect.mapError(fail("indexing documents"))),
      demote: (demotions) =>
        Effect.forEach(
          demotions,
          (d) =>
            Effect.gen(function* () {
              yield* sql`UPDATE documents SET status = 'excluded', stage = 'dedup', reason_code = ${d.code}, duplicate_of = ${d.survivor}, similarity = ${d.similarity}
                         WHERE record_id = ${d.recordId} AND status = 'kept'`
              yield* sql`INSERT INTO notes ${sql.insert({ record_id: d.recordId, kind: "exclusion", stage: "dedup", code: d.code, detail: d.detail })}`
              yield* sql`UPDATE documents SET duplicate_of = ${d.survivor} WHERE duplicate_of = ${d.recordId}`
              yield* sql`UPDATE dedup_keys SET survivor = ${d.survivor} WHERE survivor = ${d.recordId}`
            }),
          { discard: true }
        ).pipe(Effect.mapError(fail("demoting survivors"))),
      remove: (entries) =>
        Effect.forEach(
          entries,
          (e) =>
            Effect.gen(function* () {
              for (const bucket of e.buckets) yield* sql`DELETE FROM lsh_buckets WHERE bucket = ${bucket} AND record_id = ${e.recordId}`
              yield* sql`DELETE FROM dedup_shingles WHERE record_id = ${e.recordId}`
              yield* sql`DELETE FROM dedup_keys WHERE survivor = ${e.recordId}`
            }),
          { discard: true }
        ).pipe(Effect.mapError(fail("removing withdrawn documents"))),
      reassign: (from, to) => sql`UPDATE dedup_keys SET survivor = ${to} WHERE survivor = ${from}`.pipe(Effect.asVoid, Effect.mapError(fail("re-electing a survivor")))
    })
  })
)
