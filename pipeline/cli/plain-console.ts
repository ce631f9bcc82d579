import { Console, Effect } from "effect"
import { stripVTControlCharacters } from "node:util"

const plainWanted = (stream: NodeJS.WriteStream) => process.env["NO_COLOR"] !== undefined && process.env["NO_COLOR"] !== "" ? true : !stream.isTTY

const plain = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? stripVTControlCharacters(a) : a))

/**
 * @effect/cli writes its help and errors with colour codes whatever the output is. Where the output
 * is not a terminal, or NO_COLOR is set (no-color.org), they are taken out: a pipe or a file gets text.
 */
export const withPlainOutput = <A, E, R>(program: Effect.Effect<A, E, R>) => {
  const out = plainWanted(process.stdout)
  const err = plainWanted(process.stderr)
  if (!out && !err) return program
  return Effect.flatMap(Effect.console, (console) => {
    const plainConsole: Console.Console = {
      ...console,
      log: (...args) => console.log(...(out ? plain(args) : args)),
      info: (...args) => console.info(...(out ? plain(args) : args)),
      error: (...args) => console.error(...(err ? plain(args) : args)),
      warn: (...args) => console.warn(...(err ? plain(args) : args))
    }
    return Effect.withConsole(program, plainConsole)
  })
}
