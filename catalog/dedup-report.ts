import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { fail, firstRowOf, rowsOf } from "./rows.ts"

/** One document's dedup outcome, by its id in the batch and the id of the survivor it was merged into. */
export const DecisionRow = Schema.Struct({
  local_id: Schema.String,
  status: Schema.String,
  stage: Schema.String,
  reason_code: Schema.NullOr(Schema.String),
  survivor: Schema.NullOr(Schema.String)
})
export type DecisionRow = typeof DecisionRow.Type

const IndexedRow = Schema.Struct({ n: Schema.Number })
const TableBytesRow = Schema.Struct({ name: Schema.String, bytes: Schema.Number })

/** Read-only views of the near-duplicate decisions and index for the dedup evaluation and bench (bench/). */
export class DedupReport extends Effect.Service<DedupReport>()("acervo/catalog/DedupReport", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const decisions = sql`SELECT d.local_id, d.status, d.stage, d.reason_code, s.local_id AS survivor FROM documents d LEFT JOIN documents s ON s.record_id = d.duplicate_of`.pipe(
      Effect.flatMap(rowsOf(DecisionRow)),
      Effect.mapError(fail("reading dedup decisions"))
    )

    /** Documents in the LSH index, and the bytes its table and key take on disk (SQLite's dbstat). */
    const indexFootprint = Effect.all({
      indexed: sql`SELECT count(DISTINCT record_id) AS n FROM lsh_buckets`.pipe(
        Effect.flatMap(firstRowOf(IndexedRow)),
        Effect.map((row) => row?.n ?? 0)
      ),
      bytes: sql`SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name IN ('lsh_buckets', 'sqlite_autoindex_lsh_buckets_1') GROUP BY name`.pipe(
        Effect.flatMap(rowsOf(TableBytesRow)),
        Effect.map((rows) => rows.reduce((s, r) => s + r.bytes, 0))
      )
    }).pipe(Effect.mapError(fail("measuring the near-duplicate index")))

    return { decisions, indexFootprint } as const
  })
}) {}
