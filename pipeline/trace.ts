import { Effect, Schema } from "effect"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { Consent, type DocumentFields } from "../domain/batch-schema.ts"
import { Catalog } from "../catalog/catalog.ts"
import { CatalogError, RecordNotFound } from "./errors.ts"

const Nullable = <S extends Schema.Schema.Any>(s: S) => Schema.NullOr(s)

/** Everything the catalog knows about one record, from shard back to the institution: `acervo audit trace` and `GET /v1/records/{id}/trace`. */
export const RecordTrace = Schema.Struct({
  record: Schema.String,
  status: Schema.String,
  stage: Schema.String,
  reason: Nullable(Schema.String),
  shard: Nullable(Schema.Struct({ release: Schema.String, path: Schema.String })),
  document: Schema.Struct({ id: Schema.String, path: Schema.String, line: Schema.Number, lang: Nullable(Schema.String), text_sha256: Nullable(Schema.String) }),
  batch: Schema.Struct({ institution: Schema.String, id: Schema.String, sha256: Schema.String, submitted_at: Schema.String }),
  consent: Nullable(Consent),
  license: Schema.Struct({ declared: Nullable(Schema.String), resolved: Nullable(Schema.String), use: Nullable(Schema.String), attribution: Nullable(Schema.Boolean) }),
  labels: Schema.Array(Schema.String),
  duplicate_of: Nullable(Schema.String),
  merged_copies: Schema.Array(
    Schema.Struct({ record: Schema.String, institution: Schema.String, batch: Schema.String, document: Schema.String, reason: Nullable(Schema.String), similarity: Nullable(Schema.Number) })
  ),
  notes: Schema.Array(Schema.Struct({ kind: Schema.String, stage: Schema.String, code: Schema.String, detail: Schema.String })),
  ledger: Schema.Array(Schema.Struct({ seq: Schema.Number, at: Schema.String, kind: Schema.String, hash: Schema.String }))
})
export type RecordTrace = typeof RecordTrace.Type

const fail = (operation: string) => (cause: unknown) => new CatalogError({ operation, cause })

/** The shard of the latest release that holds the record, found by reading the shards of its profile and language. */
const findShard = (outDir: string, release: string, lang: string | null, recordId: string) => {
  const dir = join(outDir, "shards")
  if (!lang || !existsSync(dir)) return null
  const needle = `{"id":"${recordId}"`
  for (const profile of readdirSync(dir).sort()) {
    const langDir = join(dir, profile, lang)
    if (!existsSync(langDir)) continue
    for (const file of readdirSync(langDir).sort()) {
      if (gunzipSync(readFileSync(join(langDir, file))).toString("utf8").includes(needle)) return { release, path: `shards/${profile}/${lang}/${file}` }
    }
  }
  return null
}

export const traceRecord = (recordId: string) =>
  Effect.gen(function* () {
    const catalog = yield* Catalog
    const sql = catalog.sql
    const rows = yield* sql<{
      record_id: string; status: string; stage: string; reason_code: string | null; local_id: string; path: string; line: number; lang: string | null
      text_sha256: string | null; license: string | null; license_use: string | null; attribution: number | null; fields_json: string; duplicate_of: string | null
      run_id: number; institution: string; batch_id: string; content_sha256: string; submitted_at: string
    }>`SELECT d.*, b.institution, b.batch_id, b.content_sha256, b.submitted_at FROM documents d JOIN batches b ON b.seq = d.batch_seq WHERE d.record_id = ${recordId}`.pipe(
      Effect.mapError(fail("reading the record"))
    )
    const row = rows[0]
    if (!row) return yield* new RecordNotFound({ record: recordId, message: `no record "${recordId}" is in the catalog; a release record's "id" is its record id` })
    const fields = JSON.parse(row.fields_json) as DocumentFields
    const copies = yield* sql<{ record_id: string; institution: string; batch_id: string; local_id: string; reason_code: string | null; similarity: number | null }>`
        SELECT d.record_id, b.institution, b.batch_id, d.local_id, d.reason_code, d.similarity FROM documents d JOIN batches b ON b.seq = d.batch_seq
        WHERE d.duplicate_of = ${recordId} ORDER BY b.seq, d.path, d.line`.pipe(Effect.mapError(fail("reading merged copies")))
    const notes = yield* sql<{ kind: string; stage: string; code: string; detail: string }>`SELECT kind, stage, code, detail FROM notes WHERE record_id = ${recordId} ORDER BY rowid`.pipe(
      Effect.mapError(fail("reading notes"))
    )
    const ledger = yield* sql<{ seq: number; at: string; kind: string; entry_json: string; hash: string }>`SELECT seq, at, kind, entry_json, hash FROM ledger ORDER BY seq`.pipe(
      Effect.mapError(fail("reading the ledger"))
    )
    const relevant = ledger.filter((l) => {
      const e = JSON.parse(l.entry_json) as Record<string, unknown>
      if (l.kind === "batch-submitted") return e["institution"] === row.institution && e["batch"] === row.batch_id
      if (l.kind === "run-finished") return e["run"] === row.run_id
      if (l.kind === "withdrawn") return e["document"] === recordId || e["batch"] === row.batch_id || e["batch"] === `${row.institution}/${row.batch_id}`
      return l.kind === "release-written" && row.status === "kept"
    })
    const latest = yield* catalog.latestRelease
    const shard = row.status === "kept" && latest ? findShard(latest.out_dir, latest.name, row.lang, recordId) : null
    return {
      record: recordId,
      status: row.status,
      stage: row.stage,
      reason: row.reason_code,
      shard,
      document: { id: row.local_id, path: row.path, line: row.line, lang: row.lang, text_sha256: row.text_sha256 },
      batch: { institution: row.institution, id: row.batch_id, sha256: row.content_sha256, submitted_at: row.submitted_at },
      consent: fields.consent ?? null,
      license: { declared: fields.license ?? null, resolved: row.license, use: row.license_use, attribution: row.attribution === null ? null : row.attribution === 1 },
      labels: [...(fields.labels ?? [])],
      duplicate_of: row.duplicate_of,
      merged_copies: copies.map((c) => ({ record: c.record_id, institution: c.institution, batch: c.batch_id, document: c.local_id, reason: c.reason_code, similarity: c.similarity })),
      notes,
      ledger: relevant.map((l) => ({ seq: l.seq, at: l.at, kind: l.kind, hash: l.hash }))
    } satisfies RecordTrace
  })

export const renderTrace = (t: RecordTrace): string =>
  [
    `record ${t.record}: ${t.status}${t.reason ? ` (${t.stage}: ${t.reason})` : ""}`,
    `  shard        ${t.shard ? `${t.shard.release}/${t.shard.path}` : "none"}`,
    `  document     ${t.document.id} at ${t.document.path}${t.document.line ? `#L${t.document.line}` : ""}, lang ${t.document.lang ?? "–"}, text sha256 ${t.document.text_sha256 ?? "–"}`,
    `  batch        ${t.batch.institution}/${t.batch.id}, submitted ${t.batch.submitted_at}, sha256 ${t.batch.sha256}`,
    `  consent      ${t.consent ? `${t.consent.basis} ${t.consent.reference}${t.consent.expires ? `, expires ${t.consent.expires}` : ""}` : "none"}`,
    `  licence      ${t.license.declared ?? "none"}${t.license.use ? ` → ${t.license.resolved} (${t.license.use}${t.license.attribution ? ", attribution" : ""})` : ""}`,
    `  labels       ${t.labels.join(", ") || "none"}`,
    ...(t.duplicate_of ? [`  merged into  ${t.duplicate_of}`] : []),
    ...t.merged_copies.map((c) => `  copy         ${c.record} ${c.institution}/${c.batch}/${c.document} (${c.reason}${c.similarity !== null ? `, similarity ${c.similarity.toFixed(3)}` : ""})`),
    ...t.notes.map((n) => `  ${n.kind.padEnd(12)} ${n.stage}: ${n.code} — ${n.detail}`),
    ...t.ledger.map((l) => `  ledger #${l.seq} ${l.at} ${l.kind} ${l.hash.slice(0, 16)}…`)
  ].join("\n")
