import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { allStageNames } from "../../stages/index.ts"
import { releaseProfiles } from "../../licenses/profiles.ts"
import { dedup } from "./dedup-commands.ts"
import { langid } from "./langid-commands.ts"
import { serve, token } from "./server-commands.ts"
import { verifyRelease } from "../../manifests/verify.ts"
import { evaluateQuality } from "../../bench/quality-eval.ts"
import { submitBatch } from "../batch/submit.ts"
import { Batches } from "../../catalog/batches.ts"
import { Ledger } from "../../catalog/ledger.ts"
import { Releases } from "../../catalog/releases.ts"
import { settingsConfig, type AcervoSettings } from "../config.ts"
import { formatProblem, UsageError, VerificationFailed } from "../errors.ts"
import { writeRelease } from "../release.ts"
import { processPending } from "../run.ts"
import { withRunLock } from "../run-lock.ts"
import { withdraw } from "../withdraw.ts"
import { renderTrace, traceRecord } from "../trace.ts"
import { renderStatus, statusReport, table } from "../status.ts"
import { appLayer } from "./layers.ts"
import { nowIso } from "../clock.ts"
import { Settings } from "../config.ts"

const home = Options.text("home").pipe(
  Options.withDescription("catalog folder (default: $ACERVO_HOME or ./.acervo)"),
  Options.optional
)
const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of tables"))

const overridesFrom = (h: Option.Option<string>): Partial<AcervoSettings> => (Option.isSome(h) ? { home: h.value } : {})

const submit = Command.make(
  "submit",
  {
    paths: Args.text({ name: "PATH" }).pipe(Args.withDescription("batch folder, or .tar / .tar.gz / .zip of one"), Args.atLeast(1)),
    institution: Options.text("institution").pipe(Options.withDescription("institution slug the batch must belong to"), Options.optional),
    home
  },
  ({ paths, institution, home }) =>
    Effect.forEach(paths, (path) =>
      submitBatch(path, Option.getOrUndefined(institution)).pipe(
        Effect.tap((r) =>
          Console.log(
            [
              r.status === "registered"
                ? `${path}: registered batch ${r.institution}/${r.batchId} (${r.documents} document file(s), sha256 ${r.contentSha256.slice(0, 16)}…)`
                : `${path}: already registered as ${r.institution}/${r.batchId}; nothing changed`,
              ...r.warnings.map((w) => `  ${formatProblem(w)}`)
            ].join("\n")
          )
        )
      ),
      { discard: true }
    ).pipe(Effect.provide(appLayer(overridesFrom(home))))
).pipe(Command.withDescription("validate batches and register them in the catalog"))

const defaultReleaseName = Effect.map(nowIso, (iso) => `r${iso.slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}`)

const run = Command.make(
  "run",
  {
    release: Options.text("release").pipe(Options.withDescription("release name (default: r<date>-<time>)"), Options.optional),
    out: Options.text("out").pipe(Options.withDescription("folder that holds releases"), Options.withDefault("releases")),
    profile: Options.text("profile").pipe(Options.withDescription("release profile(s), most permissive first (default: $ACERVO_PROFILES or open,noncommercial)"), Options.repeated),
    stages: Options.text("stages").pipe(Options.withDescription(`stages to run: all of ingest..gate, and/or shard (default: all)`), Options.optional),
    home
  },
  ({ release, out, profile, stages, home }) =>
    Effect.gen(function* () {
      const settings = yield* Settings
      const chosen = Option.isSome(stages) ? stages.value.split(",").map((s) => s.trim()).filter(Boolean) : [...allStageNames]
      const unknown = chosen.filter((s) => !(allStageNames as ReadonlyArray<string>).includes(s))
      if (unknown.length > 0) return yield* new UsageError({ message: `unknown stage(s) ${unknown.join(", ")}; stages are ${allStageNames.join(", ")}` })
      const processing = allStageNames.filter((s) => s !== "shard")
      const someProcessing = processing.filter((s) => chosen.includes(s))
      if (someProcessing.length > 0 && someProcessing.length < processing.length) {
        return yield* new UsageError({ message: `stages ${processing.join(", ")} run together on each document; pass all of them, or only shard to rebuild the release` })
      }
      const profiles = profile.length > 0 ? profile : settings.profiles
      const unknownProfiles = profiles.filter((p) => !releaseProfiles.some((k) => k.name === p))
      if (unknownProfiles.length > 0) {
        return yield* new UsageError({ message: `unknown profile(s) ${unknownProfiles.join(", ")}; known: ${releaseProfiles.map((p) => p.name).join(", ")}` })
      }
      const catalog = yield* Batches
      if ((yield* catalog.batches).length === 0) {
        return yield* new UsageError({ message: `no batch is registered in ${settings.home}: nothing to process or release; submit one first with \`acervo submit PATH\`` })
      }
      const name = Option.isSome(release) ? release.value : yield* defaultReleaseName
      const summary = yield* withRunLock(
        settings.home,
        Effect.gen(function* () {
          if (someProcessing.length > 0) yield* processPending
          return chosen.includes("shard") ? yield* writeRelease({ name, outDir: out, profiles }) : undefined
        })
      )
      if (!summary) return
      const m = summary.manifest
      yield* Console.log(
        [
          `release ${m.release}: ${summary.dir}`,
          "",
          table(
            ["language", "documents", "characters"],
            [...Object.entries(m.totals.by_language).map(([l, t]) => [l, t.documents, t.characters]), ["total", m.totals.documents, m.totals.characters]]
          ),
          "",
          Object.keys(m.excluded).length ? table(["excluded because", "documents"], Object.entries(m.excluded)) : "excluded: none",
          ...(Object.keys(m.flagged).length ? ["", table(["flagged", "documents"], Object.entries(m.flagged))] : []),
          ...(m.outside_profiles > 0 ? ["", `${m.outside_profiles} kept document(s) fit none of the profiles ${m.profiles.map((p) => p.name).join(", ")}`] : [])
        ].join("\n")
      )
    }).pipe(Effect.provide(appLayer(overridesFrom(home))))
).pipe(Command.withDescription("process what is new, then write a release"))

const withdrawCommand = Command.make(
  "withdraw",
  {
    batch: Options.text("batch").pipe(Options.withDescription("a batch: ID or INSTITUTION/ID"), Options.optional),
    document: Options.text("document").pipe(Options.withDescription("one document, by the record id a release gives it"), Options.optional),
    reason: Options.text("reason").pipe(Options.withDescription("why: kept in the ledger for auditors")),
    home
  },
  ({ batch, document, reason, home }) =>
    Effect.gen(function* () {
      const settings = yield* Settings
      const result = yield* withRunLock(settings.home, withdraw({ batch: Option.getOrUndefined(batch), document: Option.getOrUndefined(document) }, reason))
      yield* Console.log(
        [
          `withdrawn: ${result.withdrawn} document(s)${result.pendingFilesClosed ? `; ${result.pendingFilesClosed} unprocessed file(s) will not be read` : ""}; recorded in the ledger`,
          ...result.reelected.map((r) => `  ${r.survivor} now stands for its cluster in place of ${r.withdrawn}`),
          "the next `acervo run` writes a release without them and lists them in tombstones.jsonl"
        ].join("\n")
      )
    }).pipe(Effect.provide(appLayer(overridesFrom(home))))
).pipe(Command.withDescription("withdraw a batch or a document: excluded from every later release, its duplicates re-elected, recorded in the ledger"))

const status = Command.make(
  "status",
  { batch: Options.text("batch").pipe(Options.withDescription("one batch: ID or INSTITUTION/ID"), Options.optional), json, home },
  ({ batch, json, home }) =>
    statusReport(Option.getOrUndefined(batch)).pipe(
      Effect.flatMap((r) =>
        Console.log(
          json ? JSON.stringify(r, null, 2) : r.batches.length === 0 ? "no batch is registered yet; submit one with `acervo submit PATH`" : renderStatus(r)
        )
      ),
      Effect.provide(appLayer(overridesFrom(home)))
    )
).pipe(Command.withDescription("batches, documents by stage, exclusions and flags by reason"))

const verify = Command.make(
  "verify",
  { dir: Args.text({ name: "RELEASE_DIR" }), home },
  ({ dir, home }) =>
    Effect.gen(function* () {
      const settings = yield* settingsConfig
      const homeDir = Option.getOrElse(home, () => settings.home)
      const hasCatalog = existsSync(join(homeDir, "catalog.db"))
      const lookup = hasCatalog
        ? (name: string) => Effect.runPromise(Effect.flatMap(Releases, (c) => c.release(name)).pipe(Effect.provide(appLayer({ home: homeDir }))))
        : undefined
      const report = yield* Effect.promise(() => verifyRelease(dir, lookup))
      if (!hasCatalog) yield* Console.error(`note: no catalog at ${homeDir}; checked the shards against the manifest only (--home to point at one)`)
      if (report.mismatches.length > 0) return yield* new VerificationFailed({ release: dir, mismatches: report.mismatches })
      yield* Console.log(`${dir}: OK — ${report.shardsChecked} shard(s), ${report.records} records match the manifest${hasCatalog ? " and the catalog" : ""}`)
    })
).pipe(Command.withDescription("recompute every shard's hash, size and count; compare with manifest and catalog"))

const ledger = Command.make("ledger", { home }, ({ home }) =>
  Effect.gen(function* () {
    const result = yield* (yield* Ledger).verify
    if (result.broken) {
      return yield* new VerificationFailed({ release: "ledger", mismatches: [`entry ${result.broken.seq}: ${result.broken.problem}`] })
    }
    yield* Console.log(`ledger: OK — ${result.entries} entries, hash chain intact`)
  }).pipe(Effect.provide(appLayer(overridesFrom(home))))
).pipe(Command.withDescription("verify the ledger's hash chain"))

const qualityEval = Command.make("eval", { json }, ({ json }) =>
  Effect.gen(function* () {
    const results = yield* Effect.promise(() => evaluateQuality())
    if (json) return yield* Console.log(JSON.stringify(results, null, 2))
    yield* Console.log(
      table(
        ["set", "documents", "kept", "removed", "as expected", "removed because"],
        results.map((r) => [r.name, r.documents, r.kept, r.removed, `${(r.rate * 100).toFixed(1)}% ${r.expect === "keep" ? "kept" : "removed"}`, Object.entries(r.reasons).map(([k, v]) => `${k} ${v}`).join(", ")])
      )
    )
  })
).pipe(Command.withDescription("measure the quality stage: real Mapudungun, Rapa Nui, Spanish and Portuguese kept, planted junk removed"))

const quality = Command.make("quality").pipe(Command.withDescription("quality stage tools"), Command.withSubcommands([qualityEval]))

const trace = Command.make("trace", { record: Args.text({ name: "RECORD_ID" }), json, home }, ({ record, json, home }) =>
  traceRecord(record).pipe(
    Effect.flatMap((t) => Console.log(json ? JSON.stringify(t, null, 2) : renderTrace(t))),
    Effect.provide(appLayer(overridesFrom(home)))
  )
).pipe(Command.withDescription("record → shard → document → batch → institution → consent → licence → labels → merges and exclusions → ledger entries"))

const audit = Command.make("audit").pipe(
  Command.withDescription("check releases and the ledger, trace a record"),
  Command.withSubcommands([verify, ledger, trace])
)

export const acervo = Command.make("acervo").pipe(
  Command.withDescription("consented corpus curation: partner batches to auditable training shards"),
  Command.withSubcommands([submit, run, withdrawCommand, status, serve, token, langid, dedup, quality, audit])
)
