import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { version } from "../version.ts"
import { acervo } from "./commands.ts"

const cli = Command.run(acervo, { name: "acervo", version })

const debug = process.env["ACERVO_DEBUG"] === "1"

const program = Effect.suspend(() => cli(process.argv)).pipe(
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

NodeRuntime.runMain(program, { disableErrorReporting: true, disablePrettyLogger: true })
