import { HttpServer } from "@effect/platform"
import { Console, Effect, Layer, Option } from "effect"
import { intakeServerLayer, serverUrl } from "../../server/serve.ts"
import { overridesFrom } from "../options.ts"

export const serve = ({ port, host, home }: { readonly port: Option.Option<number>; readonly host: Option.Option<string>; readonly home: Option.Option<string> }) => {
  const announce = Layer.effectDiscard(
    Effect.flatMap(HttpServer.HttpServer, (server) =>
      Console.log(`acervo intake server listening on ${serverUrl(server.address)} (page at /, API under /v1, Ctrl-C stops it)`)
    )
  )
  return Layer.launch(
    announce.pipe(
      Layer.provideMerge(
        intakeServerLayer({
          settings: overridesFrom(home),
          server: { ...(Option.isSome(port) ? { port: port.value } : {}), ...(Option.isSome(host) ? { host: host.value } : {}) }
        })
      )
    )
  ).pipe(
    Effect.catchTag("ServeError", (e) =>
      Effect.fail(new Error(`cannot listen: ${(e.cause as Error)?.message ?? String(e.cause)}; choose another --port`))
    )
  )
}
