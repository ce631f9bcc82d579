import type { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { CatalogError } from "./errors.ts"

/** Decodes a query's rows with `schema`: a row that does not fit fails the query instead of being cast. */
export const rowsOf = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknown(Schema.Array(schema))

/** The first row, decoded; undefined when there is none. */
export const firstRowOf = <A, I>(schema: Schema.Schema<A, I>) => (rows: ReadonlyArray<unknown>) =>
  rows.length === 0 ? Effect.succeed(undefined) : Schema.decodeUnknown(schema)(rows[0])

export const fail = (operation: string) => (cause: unknown) => new CatalogError({ operation, cause })

/** Runs `effect` in one transaction with whatever else it writes to the catalog; a failed commit is a CatalogError. */
export const transactionOf =
  (sql: SqlClient.SqlClient, operation: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    sql.withTransaction(effect).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(fail(operation)(e))))

/** A count(*) row. */
export const CountRow = Schema.Struct({ n: Schema.Number })
