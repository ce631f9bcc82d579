import { Args, Command, Options } from "@effect/cli"
import { HttpServer } from "@effect/platform"
import { Console, Effect, Layer, Option } from "effect"
import type { AcervoSettings } from "../config.ts"
import { table } from "../status.ts"
import { intakeServerLayer, serverUrl } from "../server/serve.ts"
import { createToken, listTokens, revokeToken, type Role } from "../server/tokens.ts"
import { appLayer } from "./layers.ts"

const home = Options.text("home").pipe(Options.withDescription("catalog folder (default: $ACERVO_HOME or ./.acervo)"), Options.optional)
const overridesFrom = (h: Option.Option<string>): Partial<AcervoSettings> => (Option.isSome(h) ? { home: h.value } : {})

export const serve = Command.make(
  "serve",
  {
    port: Options.integer("port").pipe(Options.withDescription("port to listen on (default: $ACERVO_SERVER_PORT or 8080; 0 for any free port)"), Options.optional),
    host: Options.text("host").pipe(Options.withDescription("address to listen on (default: $ACERVO_SERVER_HOST or 127.0.0.1)"), Options.optional),
    home
  },
  ({ port, host, home }) => {
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
).pipe(Command.withDescription("partner intake server: upload, follow and withdraw batches over HTTP with bearer tokens"))

const role = Options.choice("role", ["partner", "auditor", "operator"] as const).pipe(
  Options.withDescription("partner: its own institution's batches; auditor: reads everything, changes nothing; operator: everything")
)

const create = Command.make(
  "create",
  {
    institution: Options.text("institution").pipe(Options.withDescription("institution slug the token acts for")),
    role,
    label: Options.text("label").pipe(Options.withDescription("who holds it, for `token list`"), Options.optional),
    home
  },
  ({ institution, role, label, home }) =>
    createToken(institution, role as Role, Option.getOrUndefined(label)).pipe(
      Effect.flatMap((t) =>
        Console.log(
          [
            `token ${t.id} for ${t.institution} (${t.role}). It is shown this once and only its hash is kept; give it to its holder now.`,
            `Revoke it with \`acervo token revoke ${t.id}\`.`,
            t.token
          ].join("\n")
        )
      ),
      Effect.provide(appLayer(overridesFrom(home)))
    )
).pipe(Command.withDescription("create a bearer token for the intake server; the token is printed once, alone on the last line"))

const revoke = Command.make("revoke", { token: Args.text({ name: "TOKEN_ID" }).pipe(Args.withDescription("the token's id (tok-…) or the token itself")), home }, ({ token, home }) =>
  revokeToken(token).pipe(
    Effect.flatMap((t) =>
      Console.log(t.alreadyRevoked ? `token ${t.id} was already revoked on ${t.revoked_at}` : `token ${t.id} (${t.institution}, ${t.role}) revoked; it is refused from now on`)
    ),
    Effect.provide(appLayer(overridesFrom(home)))
  )
).pipe(Command.withDescription("revoke a token: every later request with it gets 401"))

const list = Command.make("list", { home }, ({ home }) =>
  listTokens.pipe(
    Effect.flatMap((rows) =>
      Console.log(
        rows.length === 0
          ? "no token yet; create one with `acervo token create --institution ID --role partner`"
          : table(["token", "institution", "role", "label", "created", "revoked"], rows.map((r) => [r.id, r.institution, r.role, r.label ?? "", r.created_at.slice(0, 19), r.revoked_at?.slice(0, 19) ?? ""]))
      )
    ),
    Effect.provide(appLayer(overridesFrom(home)))
  )
).pipe(Command.withDescription("tokens by id, institution and role (never the tokens themselves)"))

export const token = Command.make("token").pipe(Command.withDescription("bearer tokens of the intake server"), Command.withSubcommands([create, revoke, list]))
