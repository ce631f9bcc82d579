import { Effect } from "effect"

/** Runs an `IN (…)` query in pages of 500 values: SQLite bounds the number of parameters. */
export const inPages = <A, R, E, Row>(values: ReadonlyArray<A>, query: (page: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<Row>, E, R>) =>
  Effect.forEach(
    Array.from({ length: Math.ceil(values.length / 500) }, (_, i) => values.slice(i * 500, i * 500 + 500)),
    query
  ).pipe(Effect.map((pages) => pages.flat()))
