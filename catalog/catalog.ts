import * as SqlClient from "@effect/sql/SqlClient"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqliteMigrator from "@effect/sql-sqlite-node/SqliteMigrator"
import { Effect, Layer } from "effect"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { Batches } from "./batches.ts"
import { DedupReport } from "./dedup-report.ts"
import { dedupIndexLayer } from "./dedup-index.ts"
import { Documents } from "./documents.ts"
import { Ledger } from "./ledger.ts"
import { migrations } from "./migrations.ts"
import { Releases } from "./releases.ts"
import { ReleaseStatistics } from "./release-statistics.ts"
import { Tokens } from "./tokens.ts"
import { Traces } from "./traces.ts"
import { Withdrawals } from "./withdrawals.ts"

/** Every repository of the catalog, and the DedupIndex the dedup stage declares; all on the one SqlClient. */
export const repositories = Layer.mergeAll(
  Ledger.Default,
  Batches.Default,
  Documents.Default,
  Releases.Default,
  ReleaseStatistics.Default,
  Tokens.Default,
  Withdrawals.Default,
  Traces.Default,
  DedupReport.Default,
  dedupIndexLayer
)

/** The repositories on a SQLite client, migrated before first use; the client (SqlClient) is provided too. */
export const catalogOn = <E>(client: Layer.Layer<SqliteClient.SqliteClient | SqlClient.SqlClient, E>) => {
  // WAL with NORMAL sync survives a killed process intact; only an OS crash can lose the last commit.
  const tuned = Layer.effectDiscard(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe("PRAGMA synchronous = NORMAL")).pipe(Effect.orDie))
  const migrated = SqliteMigrator.layer({ loader: SqliteMigrator.fromRecord(migrations) }).pipe(Layer.provide(NodeContext.layer), Layer.orDie, Layer.provideMerge(client))
  return repositories.pipe(Layer.provideMerge(tuned.pipe(Layer.provideMerge(migrated))))
}

/** The catalog at `<home>/catalog.db`. */
export const catalogLayer = (home: string) =>
  catalogOn(
    Layer.unwrapEffect(
      Effect.sync(() => {
        mkdirSync(home, { recursive: true })
        return SqliteClient.layer({ filename: join(home, "catalog.db") })
      })
    )
  )
