import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { fail, rowsOf } from "./rows.ts"

/** How many of a release's records have a cluster of `size` (the record and the copies merged into it). */
export const ClusterSizeRow = Schema.Struct({ size: Schema.Number, records: Schema.Number })
export type ClusterSizeRow = typeof ClusterSizeRow.Type

/** Figures about a release that its manifest does not hold, for its report (`manifests/report.ts`). */
export class ReleaseStatistics extends Effect.Service<ReleaseStatistics>()("acervo/catalog/ReleaseStatistics", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /**
     * Records of a release with `profiles` that have copies, by cluster size: a kept document that one
     * of the profiles admits, counted with every document merged into it, as its record's
     * `cluster_size` counts them. Records without copies are not listed: the release's other records.
     * The copies are read through their index, and only their survivors looked up: the cost grows
     * with the copies, not with the catalog.
     */
    const clusterSizesWithCopies = (profiles: ReadonlyArray<string>) =>
      profiles.length === 0
        ? Effect.succeed([] as ReadonlyArray<ClusterSizeRow>)
        : // CROSS JOIN keeps the copies the outer loop: SQLite would otherwise scan every kept document.
          sql`SELECT size, count(*) AS records FROM (
              SELECT 1 + count(*) AS size FROM documents c CROSS JOIN documents d ON d.record_id = c.duplicate_of
              WHERE c.duplicate_of IS NOT NULL AND d.status = 'kept' AND EXISTS (SELECT 1 FROM json_each(d.profiles_json) p WHERE ${sql.in("p.value", profiles)})
              GROUP BY c.duplicate_of
            ) GROUP BY size ORDER BY size`.pipe(Effect.flatMap(rowsOf(ClusterSizeRow)), Effect.mapError(fail("counting duplicate clusters")))

    return { clusterSizesWithCopies } as const
  })
}) {}
