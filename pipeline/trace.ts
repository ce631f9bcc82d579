import { Effect, Schema } from "effect"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { Consent } from "../domain/batch-schema.ts"
import { Ledger } from "../catalog/ledger.ts"
import { Releases } from "../catalog/releases.ts"
import { Traces } from "../catalog/traces.ts"
import { RecordNotFound } from "./errors.ts"

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
    const traces = yield* Traces
    const row = yield* traces.record(recordId)
    if (!row) return yield* new RecordNotFound({ record: recordId, message: `no record "${recordId}" is in the catalog; a release record's "id" is its record id` })
    const fields = row.fields_json
    const copies = yield* traces.mergedCopies(recordId)
    const notes = yield* traces.notes(recordId)
    const ledger = yield* (yield* Ledger).entries
    const relevant = ledger.filter((l) => {
      const e = l.entry
      if (l.kind === "batch-submitted") return e["institution"] === row.institution && e["batch"] === row.batch_id
      if (l.kind === "run-finished") return e["run"] === row.run_id
      if (l.kind === "withdrawn") return e["document"] === recordId || e["batch"] === row.batch_id || e["batch"] === `${row.institution}/${row.batch_id}`
      return l.kind === "release-written" && row.status === "kept"
    })
    const latest = yield* (yield* Releases).latestRelease
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
