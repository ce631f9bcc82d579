import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { version } from "../version.ts"
import { acervo } from "./commands.ts"
import { withPlainOutput } from "./plain-console.ts"

const cli = Command.run(acervo, { name: "acervo", version })

const debug = process.env["ACERVO_DEBUG"] === "1"

// A reader that stops reading (`acervo langid --jsonl F | head -3`) ends the command quietly, at
// once: what is left is what a SIGKILL would leave, which every command resumes from.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0)
  })
}

const program = Effect.suspend(() => cli(process.argv)).pipe(
  withPlainOutput,
  Effect.catchAll((error) =>
    Effect.gen(function* () {
      // @effect/cli has already printed usage problems with the command's help.
      if (ValidationError.isValidationError(error)) {
        process.exitCode = 2
        return
      }
      const message = typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)
      yield* Console.error(`acervo: ${message}`)
      process.exitCode = 1
    })
  ),
  Effect.catchAllDefect((defect) =>
    Effect.gen(function* () {
      const message = defect instanceof Error ? defect.message : String(defect)
      yield* Console.error(`acervo: internal error: ${message}`)
      if (debug) yield* Console.error(Cause.pretty(Cause.die(defect)))
      else yield* Console.error("acervo: run again with ACERVO_DEBUG=1 for details, and report it with the command you ran")
      process.exitCode = 70
    })
  ),
  Effect.provide(NodeContext.layer)
)

// SIGINT and SIGTERM interrupt the command (the runtime's own handlers); its finalizers stop the
// workers and leave only committed work, as a SIGKILL would. The exit code says it was stopped.
// `acervo serve` is stopped this way as a matter of course: it says so itself and exits 0.
let stoppedBy: { readonly signal: NodeJS.Signals; readonly code: number } | undefined
const isServer = process.argv.slice(2).find((a) => !a.startsWith("-")) === "serve"
for (const [signal, code] of isServer ? [] : ([["SIGINT", 130], ["SIGTERM", 143]] as const)) {
  process.once(signal, () => {
    stoppedBy ??= { signal, code }
  })
}

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    if (stoppedBy) {
      process.stderr.write(`acervo: stopped by ${stoppedBy.signal}; what was committed is kept, and the same command goes on from there\n`)
      return onExit(stoppedBy.code)
    }
    onExit(Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) ? 1 : 0)
  }
})
