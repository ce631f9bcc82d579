import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { lazy } from "./lazy.ts"

const generate = Command.make(
  "generate",
  {
    out: Args.directory({ name: "OUT_DIR", exists: "either" }),
    mb: Options.float("mb").pipe(Options.withDescription("megabytes of documents to write"), Options.withDefault(10)),
    // Optional rather than a default here, so that the generator keeps its own default seed.
    seed: Options.integer("seed").pipe(Options.withDescription("random seed: the same seed writes the same files"), Options.optional)
  },
  (args) => lazy(() => import("./handlers/dedup.ts"), (m) => m.generate(args))
).pipe(Command.withDescription("write documents with planted duplicates (re-wrapped, OCR noise, header/footer, other orthography, excerpts, editions) and boilerplate decoys, from the reference texts"))

const evaluate = Command.make(
  "eval",
  {
    documents: Args.file({ name: "DOCUMENTS.jsonl" }),
    pairs: Args.file({ name: "PAIRS.jsonl" }),
    json: Options.boolean("json").pipe(Options.withDescription("print JSON instead of tables"))
  },
  (args) => lazy(() => import("./handlers/dedup.ts"), (m) => m.evaluate(args))
).pipe(Command.withDescription("run normalize, dedup and gate on documents in a scratch catalog and score the clusters against the true duplicate pairs"))

export const dedup = Command.make("dedup").pipe(
  Command.withDescription("near-duplicate detection tools"),
  Command.withSubcommands([generate, evaluate])
)
