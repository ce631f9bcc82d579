import * as Effect from "effect/Effect"

/**
 * A command's work, from a module imported only when the command runs: starting the command line
 * loads the command definitions (names, options, descriptions), not every command's implementation.
 */
export const lazy = <M, A, E, R>(load: () => Promise<M>, run: (module: M) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.promise(load), run)
