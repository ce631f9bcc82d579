import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Documents } from "../catalog/documents.ts"
import { ReleaseStatistics } from "../catalog/release-statistics.ts"
import type { Manifest } from "../manifests/manifest.ts"
import { REPORT_FILE, renderReport, type ReportInput } from "../manifests/report.ts"
import { allStageNames } from "../stages/index.ts"
import { ReleaseError } from "./errors.ts"

/** What the release has read from the catalog already: the withdrawn documents (its tombstones) and the batches. */
export interface ReleaseReads {
  readonly tombstones: ReadonlyArray<{ readonly institution: string; readonly batch: string }>
  readonly batches: ReadonlyArray<{ readonly institution: string; readonly batch_id: string; readonly title: string | null; readonly collection: string | null }>
}

/** What the report of a release with `manifest` shows: the manifest, what the release read, and what the catalog knows of it now. */
export const reportInput = (manifest: Manifest, reads: ReleaseReads) =>
  Effect.gen(function* () {
    const documents = yield* Documents
    const exclusions = yield* documents.countsByCode("exclusion")
    const flags = yield* documents.countsByCode("flag")
    const withCopies = yield* (yield* ReleaseStatistics).clusterSizesWithCopies(manifest.profiles.map((p) => p.name))
    const alone = manifest.totals.documents - withCopies.reduce((s, c) => s + c.records, 0)
    return {
      manifest,
      exclusions,
      flags,
      stageOrder: [...allStageNames, "withdraw"],
      clusterSizes: [...(alone > 0 ? [{ size: 1, records: alone }] : []), ...withCopies],
      withdrawals: reads.tombstones,
      batches: reads.batches.map((b) => ({ institution: b.institution, id: b.batch_id, title: b.title, collection: b.collection }))
    } satisfies ReportInput
  })

/** Writes `report.html` into the release folder `dir` (the staging folder, before it is renamed into place). */
export const writeReleaseReport = (dir: string, manifest: Manifest, reads: ReleaseReads) =>
  Effect.gen(function* () {
    const input = yield* reportInput(manifest, reads)
    yield* Effect.try({
      try: () => writeFileSync(join(dir, REPORT_FILE), renderReport(input)),
      catch: (e) => new ReleaseError({ release: manifest.release, reason: `writing ${REPORT_FILE} failed: ${(e as Error).message ?? String(e)}` })
    })
  })
