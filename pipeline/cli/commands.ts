import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { dedup } from "./dedup-commands.ts"
import { lazy } from "./lazy.ts"
import { langid } from "./langid-commands.ts"
import { home, json } from "./options.ts"
import { serve, token } from "./server-commands.ts"

// Command definitions only: each command imports its implementation (pipeline/cli/handlers/) when
// it runs, so that `acervo --help` or `acervo status` does not load the whole pipeline.

const submit = Command.make(
  "submit",
  {
    paths: Args.text({ name: "PATH" }).pipe(Args.withDescription("batch folder, or .tar / .tar.gz / .zip of one"), Args.atLeast(1)),
    institution: Options.text("institution").pipe(Options.withDescription("institution slug the batch must belong to"), Options.optional),
    home
  },
  (args) => lazy(() => import("./handlers/submit.ts"), (m) => m.submit(args))
).pipe(Command.withDescription("validate batches and register them in the catalog"))

const run = Command.make(
  "run",
  {
    release: Options.text("release").pipe(Options.withDescription("release name (default: r<date>-<time>)"), Options.optional),
    out: Options.text("out").pipe(Options.withDescription("folder that holds releases"), Options.withDefault("releases")),
    profile: Options.text("profile").pipe(Options.withDescription("release profile(s), most permissive first (default: $ACERVO_PROFILES or open,noncommercial)"), Options.repeated),
    stages: Options.text("stages").pipe(Options.withDescription(`stages to run: all of ingest..gate, and/or shard (default: all)`), Options.optional),
    home
  },
  (args) => lazy(() => import("./handlers/run.ts"), (m) => m.run(args))
).pipe(Command.withDescription("process what is new, then write a release"))

const withdrawCommand = Command.make(
  "withdraw",
  {
    batch: Options.text("batch").pipe(Options.withDescription("a batch: ID or INSTITUTION/ID"), Options.optional),
    document: Options.text("document").pipe(Options.withDescription("one document, by the record id a release gives it"), Options.optional),
    reason: Options.text("reason").pipe(Options.withDescription("why: kept in the ledger for auditors")),
    home
  },
  (args) => lazy(() => import("./handlers/withdraw.ts"), (m) => m.withdraw(args))
).pipe(Command.withDescription("withdraw a batch or a document: excluded from every later release, its duplicates re-elected, recorded in the ledger"))

const status = Command.make(
  "status",
  { batch: Options.text("batch").pipe(Options.withDescription("one batch: ID or INSTITUTION/ID"), Options.optional), json, home },
  (args) => lazy(() => import("./handlers/status.ts"), (m) => m.status(args))
).pipe(Command.withDescription("batches, documents by stage, exclusions and flags by reason"))

const verify = Command.make(
  "verify",
  { dir: Args.text({ name: "RELEASE_DIR" }), home },
  (args) => lazy(() => import("./handlers/audit.ts"), (m) => m.verify(args))
).pipe(Command.withDescription("recompute every shard's hash, size and count; compare with manifest and catalog"))

const ledger = Command.make("ledger", { home }, (args) => lazy(() => import("./handlers/audit.ts"), (m) => m.ledger(args))).pipe(
  Command.withDescription("verify the ledger's hash chain")
)

const qualityEval = Command.make("eval", { json }, (args) => lazy(() => import("./handlers/quality.ts"), (m) => m.qualityEval(args))).pipe(
  Command.withDescription("measure the quality stage: real Mapudungun, Rapa Nui, Spanish and Portuguese kept, planted junk removed")
)

const quality = Command.make("quality").pipe(Command.withDescription("quality stage tools"), Command.withSubcommands([qualityEval]))

const trace = Command.make("trace", { record: Args.text({ name: "RECORD_ID" }), json, home }, (args) => lazy(() => import("./handlers/trace.ts"), (m) => m.trace(args))).pipe(
  Command.withDescription("record → shard → document → batch → institution → consent → licence → labels → merges and exclusions → ledger entries")
)

const audit = Command.make("audit").pipe(
  Command.withDescription("check releases and the ledger, trace a record"),
  Command.withSubcommands([verify, ledger, trace])
)

export const acervo = Command.make("acervo").pipe(
  Command.withDescription("consented corpus curation: partner batches to auditable training shards"),
  Command.withSubcommands([submit, run, withdrawCommand, status, serve, token, langid, dedup, quality, audit])
)
