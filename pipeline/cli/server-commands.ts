import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { lazy } from "./lazy.ts"
import { home } from "./options.ts"

export const serve = Command.make(
  "serve",
  {
    port: Options.integer("port").pipe(Options.withDescription("port to listen on (default: $ACERVO_SERVER_PORT or 8080; 0 for any free port)"), Options.optional),
    host: Options.text("host").pipe(Options.withDescription("address to listen on (default: $ACERVO_SERVER_HOST or 127.0.0.1)"), Options.optional),
    noProcess: Options.boolean("no-process").pipe(Options.withDescription("do not process uploaded batches: they wait for the operator's `acervo run` ($ACERVO_SERVER_PROCESS=false)")),
    release: Options.text("release").pipe(
      Options.withDescription("write (and refresh) this release after each background run and each withdrawal, as `acervo run --release` does ($ACERVO_SERVER_RELEASE)"),
      Options.optional
    ),
    releaseOut: Options.text("release-out").pipe(Options.withDescription("folder that holds that release (default: $ACERVO_SERVER_RELEASE_OUT or releases)"), Options.optional),
    releaseProfiles: Options.text("release-profiles").pipe(
      Options.withDescription("its profiles, comma-separated, most permissive first (default: $ACERVO_SERVER_RELEASE_PROFILES, else $ACERVO_PROFILES or open,noncommercial)"),
      Options.optional
    ),
    home
  },
  (args) => lazy(() => import("./handlers/serve.ts"), (m) => m.serve(args))
).pipe(Command.withDescription("partner intake server: upload, follow and withdraw batches over HTTP with bearer tokens; processes them in the background"))

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
  (args) => lazy(() => import("./handlers/token.ts"), (m) => m.create(args))
).pipe(Command.withDescription("create a bearer token for the intake server; the token is printed once, alone on the last line"))

const revoke = Command.make(
  "revoke",
  { token: Args.text({ name: "TOKEN_ID" }).pipe(Args.withDescription("the token's id (tok-…) or the token itself")), home },
  (args) => lazy(() => import("./handlers/token.ts"), (m) => m.revoke(args))
).pipe(Command.withDescription("revoke a token: every later request with it gets 401"))

const list = Command.make("list", { home }, (args) => lazy(() => import("./handlers/token.ts"), (m) => m.list(args))).pipe(
  Command.withDescription("tokens by id, institution and role (never the tokens themselves)")
)

export const token = Command.make("token").pipe(Command.withDescription("bearer tokens of the intake server"), Command.withSubcommands([create, revoke, list]))
