import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { profilesDir, thresholdsFile } from "../../stages/langid/paths.ts"
import { lazy } from "./lazy.ts"

/** Inputs larger than this use every core unless --workers says otherwise. */
export const PARALLEL_FROM_BYTES = 4 * 1024 * 1024

const candidatesOption = Options.text("candidates").pipe(Options.withDescription("comma-separated ISO 639-3 codes (default: $ACERVO_LANGID_CANDIDATES)"), Options.optional)
const workersOption = Options.integer("workers").pipe(
  Options.withDescription(`worker threads (default: every core for inputs over ${PARALLEL_FROM_BYTES / 1024 / 1024} MB on machines with more than 2 cores, else 0 = this thread)`),
  Options.optional
)

const fileArg = Args.text({ name: "FILE" }).pipe(Args.withDescription("text file (or JSONL with --jsonl), or - for standard input"), Args.withDefault("-"))

const langidRoot = Command.make(
  "langid",
  {
    file: fileArg,
    jsonl: Options.boolean("jsonl").pipe(Options.withDescription('read {"text": …} a line, write {"lang", "score", "langs"} a line')),
    candidates: candidatesOption,
    workers: workersOption
  },
  (args) => lazy(() => import("./handlers/langid.ts"), (m) => m.identify(args))
).pipe(Command.withDescription("identify languages: a whole text, or with --jsonl one text a line"))

const evalCommand = Command.make(
  "eval",
  {
    file: Args.text({ name: "FILE" }).pipe(Args.withDescription('JSONL, {"text", "lang"} a line (the development set: corpora/langid/dev.jsonl)')),
    candidates: candidatesOption,
    workers: workersOption,
    json: Options.boolean("json").pipe(Options.withDescription("print JSON"))
  },
  (args) => lazy(() => import("./handlers/langid.ts"), (m) => m.evaluateFile(args))
).pipe(Command.withDescription("precision, recall, F1 and confusion by length bucket on a labelled JSONL file"))

const trainCommand = Command.make(
  "train",
  {
    lang: Options.text("lang").pipe(Options.withDescription("ISO 639-3 code of the language")),
    files: Args.text({ name: "FILE" }).pipe(Args.withDescription("reference text, one segment a line; each file weighs the same"), Args.atLeast(1)),
    out: Options.text("out").pipe(Options.withDescription("folder of profiles"), Options.withDefault(profilesDir)),
    license: Options.text("license").pipe(Options.withDescription("licence of the reference text (SPDX)"), Options.optional),
    attribution: Options.text("attribution").pipe(Options.withDescription("who wrote the reference text, and where it is from"), Options.optional)
  },
  (args) => lazy(() => import("./handlers/langid.ts"), (m) => m.train(args))
).pipe(Command.withDescription("build a language profile (franc's model: 300 ranked trigrams of folded text) from reference text"))

const calibrateCommand = Command.make(
  "calibrate",
  {
    precision: Options.float("precision").pipe(Options.withDescription("precision each language's labels must reach"), Options.withDefault(0.99)),
    out: Options.text("out").pipe(Options.withDescription("thresholds file"), Options.withDefault(thresholdsFile))
  },
  (args) => lazy(() => import("./handlers/langid.ts"), (m) => m.calibrateThresholds(args))
).pipe(Command.withDescription("learn per-language confidence thresholds from the profiles' training text"))

export const langid = langidRoot.pipe(Command.withSubcommands([evalCommand, trainCommand, calibrateCommand]))
