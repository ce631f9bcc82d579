import { SqlClient } from "@effect/sql"
import { Effect, ManagedRuntime } from "effect"
import { createHash } from "node:crypto"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { Batches } from "../catalog/batches.ts"
import { Documents } from "../catalog/documents.ts"
import { Releases } from "../catalog/releases.ts"
import { ReleaseStatistics } from "../catalog/release-statistics.ts"
import type { Manifest } from "../manifests/manifest.ts"
import { renderReport } from "../manifests/report.ts"
import { appLayer } from "../pipeline/cli/layers.ts"
import { Progress } from "../pipeline/progress.ts"
import { reportInput } from "../pipeline/release-report.ts"
import { table } from "../pipeline/status.ts"

const id = (i: number) => createHash("sha256").update(String(i)).digest("hex").slice(0, 32)

/**
 * What report.html costs on a large catalog: `records` kept documents in 50 languages and a fifth
 * as many copies merged into some of them (clusters of 4 and 5), written straight into a fresh catalog with
 * its real schema; then each query the report reads, and the report's own queries and its HTML
 * twice over.
 */
export const benchReport = async (work: string, records: number) => {
  const home = join(work, "report-home")
  rmSync(home, { recursive: true, force: true })
  const runtime = ManagedRuntime.make(appLayer({ home, workers: 0 }, Progress.silent))
  const copies = Math.floor(records / 5)
  const t0 = performance.now()
  await runtime.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO batches (seq, institution, batch_id, content_sha256, manifest_json, stored_path, submitted_at) VALUES (1, 'bench', 'report', ${"0".repeat(64)}, '{}', '-', '2026-01-01T00:00:00Z')`
      yield* sql`INSERT INTO files (id, batch_seq, path, bytes, sha256, fields_json) VALUES (1, 1, 'f', 0, ${"0".repeat(64)}, '{}')`
      const row = (i: number) => {
        const copy = i >= records
        // Three or four copies each to a seventeenth of the records (every fifth, from the first).
        const survivor = copy ? 5 * ((i - records) % Math.ceil(records / 17)) : 0
        return {
          record_id: id(i), batch_seq: 1, file_id: 1, local_id: String(i), path: "f", line: i, raw_bytes: 0, chars: 100,
          status: copy ? "excluded" : "kept", stage: copy ? "dedup" : "gate", reason_code: copy ? "exact-duplicate" : null,
          lang: `l${i % 50}`, duplicate_of: copy ? id(survivor) : null,
          profiles_json: copy ? null : i % 7 === 0 ? '["noncommercial"]' : '["open","noncommercial"]', fields_json: "{}", run_id: 1
        }
      }
      yield* sql`INSERT INTO runs (id, started_at, status, config_sha256) VALUES (1, '2026-01-01T00:00:00Z', 'finished', ${"0".repeat(64)})`
      for (let from = 0; from < records + copies; from += 500) {
        const page = Array.from({ length: Math.min(500, records + copies - from) }, (_, k) => row(from + k))
        yield* sql.withTransaction(sql`INSERT INTO documents ${sql.insert(page)}`)
        const notes = page.filter((r) => r.status === "excluded").map((r) => ({ record_id: r.record_id, kind: "exclusion", stage: "dedup", code: "exact-duplicate", detail: "" }))
        if (notes.length > 0) yield* sql`INSERT INTO notes ${sql.insert(notes)}`
      }
    })
  )
  const t1 = performance.now()
  const languages = Object.fromEntries(Array.from({ length: 50 }, (_, l) => [`l${l}`, { documents: records / 50, characters: (100 * records) / 50 }]))
  const manifest: Manifest = {
    format: "acervo-manifest/1", release: "bench", created: "2026-01-01T00:00:00.000Z", pipeline: { version: "0", config_sha256: "0".repeat(64) }, previous: null,
    profiles: [{ name: "open", description: "" }, { name: "noncommercial", description: "" }], batches: [{ institution: "bench", id: "report", sha256: "0".repeat(64) }], shards: [],
    totals: { documents: records, characters: 100 * records, by_language: languages, by_license: { "CC0-1.0": { documents: records, characters: 100 * records } }, by_institution: { bench: { documents: records, characters: 100 * records } }, by_profile: { open: { documents: records, characters: 100 * records } }, pii: {}, fields: {} },
    excluded: { "exact-duplicate": copies }, flagged: {}, outside_profiles: 0, withdrawn: 0
  }
  // The release has read these already (for tombstones.jsonl and the manifest) and hands them on.
  const reads = await runtime.runPromise(Effect.all({ tombstones: Effect.flatMap(Releases, (r) => r.tombstones), batches: Effect.flatMap(Batches, (b) => b.batches) }))
  const rows: Array<Array<string>> = []
  let clusters = ""
  const timed = async (label: string, effect: Effect.Effect<unknown, unknown, any>) => {
    const t = performance.now()
    await runtime.runPromise(effect as Effect.Effect<unknown, unknown>)
    rows.push([`  ${label}`, ((performance.now() - t) / 1000).toFixed(2)])
  }
  await timed("exclusion notes by stage and code", Effect.flatMap(Documents, (d) => d.countsByCode("exclusion")))
  await timed("flag notes by stage and code", Effect.flatMap(Documents, (d) => d.countsByCode("flag")))
  await timed("cluster sizes of records with copies", Effect.flatMap(ReleaseStatistics, (r) => r.clusterSizesWithCopies(["open", "noncommercial"])))
  await timed("tombstones (read by the release anyway)", Effect.flatMap(Releases, (r) => r.tombstones))
  await timed("batches (read by the release anyway)", Effect.flatMap(Batches, (b) => b.batches))
  for (const pass of [1, 2]) {
    const q0 = performance.now()
    const input = await runtime.runPromise(reportInput(manifest, reads))
    const q1 = performance.now()
    const html = renderReport(input)
    const q2 = performance.now()
    rows.push([`pass ${pass}: the report's own catalog queries (exclusions, flags, clusters)`, ((q1 - q0) / 1000).toFixed(2)])
    rows.push([`pass ${pass}: HTML (${(html.length / 1e3).toFixed(0)} kB)`, ((q2 - q1) / 1000).toFixed(3)])
    if (pass === 1) clusters = input.clusterSizes.map((c) => `${c.records} of size ${c.size}`).join(", ")
  }
  await runtime.dispose()
  rmSync(home, { recursive: true, force: true })
  console.log(
    [
      "",
      `report.html on a catalog of ${records} kept documents and ${copies} copies (written in ${((t1 - t0) / 1000).toFixed(1)} s):`,
      `records by cluster size: ${clusters}`,
      table(["step", "seconds"], rows)
    ].join("\n")
  )
}
