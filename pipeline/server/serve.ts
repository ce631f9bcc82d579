import { HttpApiBuilder, HttpApp, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Cause, Console, Duration, Effect, Layer, ManagedRuntime } from "effect"
import { createServer } from "node:http"
import { appLayer } from "../cli/layers.ts"
import type { AcervoSettings } from "../config.ts"
import { Progress } from "../progress.ts"
import { IntakeApi } from "./api.ts"
import { ServerConfig, type ServerSettings } from "./config.ts"
import { AuditLive, AuthenticationLive, BatchesLive, HealthLive } from "./handlers.ts"
import { intakeLayer } from "./intake.ts"

const refusal = (status: number, reason: string, message: string) => HttpServerResponse.unsafeJson({ reason, message }, { status })

/**
 * Around every request: answers unknown routes, timeouts and internal failures with the same JSON
 * refusal as the API's own errors (never a stack trace), bounds the time of everything but uploads
 * (which have their own idle and total limits), and logs one line per request without its token.
 */
const intakeMiddleware = (config: ServerSettings) => (app: HttpApp.Default): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const started = Date.now()
    const path = request.url.split("?")[0]!
    const isUpload = request.method === "POST" && path === "/v1/batches"
    const bounded = isUpload
      ? app
      : app.pipe(
          Effect.timeoutFail({
            duration: Duration.seconds(config.requestTimeoutSeconds),
            onTimeout: () => ({ _tag: "RequestTimeout" as const })
          })
        )
    const response = yield* bounded.pipe(
      Effect.catchAllCause((cause) => {
        // The platform ends the request of a client that went away with a 499 response of its own.
        const squashed = Cause.squash(cause)
        if (HttpServerResponse.isServerResponse(squashed)) return Effect.succeed(squashed)
        const failure = Cause.failureOption(cause)
        if (failure._tag === "Some") {
          const tag = (failure.value as { _tag?: string })._tag
          if (tag === "RouteNotFound") return Effect.succeed(refusal(404, "route-not-found", `no ${request.method} ${path}; the API is under /v1 (see the page at /)`))
          if (tag === "RequestTimeout") return Effect.succeed(refusal(503, "request-timeout", `the request took longer than ${config.requestTimeoutSeconds} s; try again later`))
          if (tag === "RequestError") return Effect.succeed(refusal(400, "request-unreadable", "the request could not be read; send it again"))
        }
        if (Cause.isInterruptedOnly(cause)) return Effect.succeed(HttpServerResponse.empty({ status: 499 }))
        return Console.error(`acervo serve: internal error on ${request.method} ${path}: ${Cause.pretty(cause)}`).pipe(
          Effect.as(refusal(500, "internal-error", "the server failed on this request; it is logged, tell the operator the time and what you sent"))
        )
      })
    )
    if (config.logRequests) yield* Console.log(`${new Date().toISOString()} ${request.method} ${path} ${response.status} ${Date.now() - started}ms`)
    return response
  })

/** Paths and methods the API does not have: JSON like every other refusal (the router's own 404 has no body). */
const unknownRoutes = HttpApiBuilder.Router.use((router) =>
  router.all(
    "*",
    Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
      refusal(404, "route-not-found", `no ${request.method} ${request.url.split("?")[0]}; the API is under /v1 (see the page at /)`)
    )
  )
)

export interface IntakeServerOptions {
  readonly settings?: Partial<AcervoSettings>
  readonly server?: Partial<ServerSettings>
}

/** The intake server on Node's HTTP server, with the catalog and settings under it. */
export const intakeServerLayer = (options: IntakeServerOptions = {}) => {
  const config = ServerConfig.layer(options.server)
  const app = appLayer(options.settings ?? {}, Progress.silent)
  const api = HttpApiBuilder.api(IntakeApi).pipe(
    Layer.provide([HealthLive, BatchesLive, AuditLive, unknownRoutes]),
    Layer.provide(AuthenticationLive)
  )
  const http = Layer.unwrapEffect(
    Effect.map(ServerConfig, (c) =>
      NodeHttpServer.layer(
        () =>
          createServer({
            // Node's own limits sit above the server's, as a backstop for a request the handlers never see.
            requestTimeout: (Math.max(c.uploadDeadlineSeconds, c.requestTimeoutSeconds) + 60) * 1000,
            headersTimeout: 60_000
          }),
        { port: c.port, host: c.host }
      )
    )
  )
  return Layer.unwrapEffect(Effect.map(ServerConfig, (c) => HttpApiBuilder.serve(intakeMiddleware(c)))).pipe(
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/v1/openapi.json" })),
    Layer.provide(api),
    Layer.provideMerge(intakeLayer),
    Layer.provideMerge(http),
    Layer.provideMerge(app),
    Layer.provideMerge(config)
  )
}

export const serverUrl = (address: HttpServer.Address) =>
  address._tag === "UnixAddress" ? `unix:${address.path}` : `http://${address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname}:${address.port}`

/** Starts the server in this process (tests, benchmarks); `close` stops it and releases the catalog. */
export const startIntakeServer = async (options: IntakeServerOptions = {}) => {
  const runtime = ManagedRuntime.make(intakeServerLayer({ ...options, server: { port: 0, logRequests: false, ...options.server } }))
  const address = await runtime.runPromise(Effect.map(HttpServer.HttpServer, (s) => s.address))
  return { url: serverUrl(address), close: () => runtime.dispose() }
}
