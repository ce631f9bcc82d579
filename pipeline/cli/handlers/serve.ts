import { HttpServer } from "@effect/platform"
import { Console, Effect, Layer, Option } from "effect"
import { Intake } from "../../server/intake.ts"
import { intakeServerLayer, serverUrl } from "../../server/serve.ts"
import { overridesFrom } from "../options.ts"

export const serve = ({ port, host, noProcess, release, releaseOut, releaseProfiles, home }: {
  readonly port: Option.Option<number>
  readonly host: Option.Option<string>
  readonly noProcess: boolean
  readonly release: Option.Option<string>
  readonly releaseOut: Option.Option<string>
  readonly releaseProfiles: Option.Option<string>
  readonly home: Option.Option<string>
}) => {
  const announce = Layer.effectDiscard(
    Effect.flatMap(HttpServer.HttpServer, (server) =>
      Effect.flatMap(Intake, (intake) =>
        Console.log(
          `acervo intake server listening on ${serverUrl(server.address)} (page at /, API under /v1, Ctrl-C stops it); ${
            intake.processes ? `processing uploaded batches${intake.release ? `, writing release ${intake.release}` : ""}` : "not processing: batches wait for `acervo run`"
          }`
        )
      )
    )
  )
  return Layer.launch(
    announce.pipe(
      Layer.provideMerge(
        intakeServerLayer({
          settings: overridesFrom(home),
          server: {
            ...(Option.isSome(port) ? { port: port.value } : {}),
            ...(Option.isSome(host) ? { host: host.value } : {}),
            ...(noProcess ? { process: false } : {}),
            ...(Option.isSome(release) ? { release } : {}),
            ...(Option.isSome(releaseOut) ? { releaseOut: releaseOut.value } : {}),
            ...(Option.isSome(releaseProfiles)
              ? { releaseProfiles: Option.some(releaseProfiles.value.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) }
              : {})
          }
        })
      )
    )
  ).pipe(
    Effect.catchTag("ServeError", (e) =>
      Effect.fail(new Error(`cannot listen: ${(e.cause as Error)?.message ?? String(e.cause)}; choose another --port`))
    )
  )
}
