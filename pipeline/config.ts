import { Config, Context, Effect, Layer, Option } from "effect"
import { availableParallelism } from "node:os"
import { integerSetting, listSetting } from "../domain/config.ts"
import { canonicalJson, sha256Hex } from "../domain/hashing.ts"
import { DEFAULT_MAX_JSON_DEPTH } from "../domain/json-shape.ts"
import { stages } from "../stages/index.ts"
import { DEFAULT_MAX_PDF_BYTES, DEFAULT_MAX_PDF_PAGES } from "../stages/ingest/readers/pdf.ts"
import type { AnyStage, Stage } from "../stages/stage.ts"

export const shardFormats = ["jsonl", "parquet"] as const
export type ShardFormat = (typeof shardFormats)[number]

export interface AcervoSettings {
  /** Where the catalog, stored batches and staging live. */
  readonly home: string
  /** Documents per processing chunk: one transaction, and at most this much lost by a crash. */
  readonly chunkDocuments: number
  /** Larger documents (and JSONL lines) are excluded as `too-large` instead of being held in memory. */
  readonly maxDocumentBytes: number
  /** Upper bound of uncompressed JSONL bytes in one shard file. */
  readonly shardMaxBytes: number
  /** Shard files written for every shard: JSON lines (gzip) and Parquet, or one of them. */
  readonly shardFormats: ReadonlyArray<ShardFormat>
  /** Release profiles written by default, most permissive first; a record goes to the first that admits it. */
  readonly profiles: ReadonlyArray<string>
  /** Archive expansion bounds applied by `submit`. */
  readonly maxArchiveBytes: number
  readonly maxArchiveRatio: number
  /** Deepest XML element nesting accepted; deeper files are refused as unsafe. */
  readonly maxXmlDepth: number
  /** Most pages read from one PDF; a longer one is excluded as `pdf-too-many-pages`. */
  readonly maxPdfPages: number
  /** Largest PDF file read; its extracted text is bounded by maxDocumentBytes. */
  readonly maxPdfBytes: number
  /** Largest batch.json accepted, checked before it is read. */
  readonly maxBatchJsonBytes: number
  /** Most documents one batch may list (or hold, without a `documents` list). */
  readonly maxBatchDocuments: number
  /** Deepest nesting of objects and arrays in batch.json and in a JSONL line. */
  readonly maxJsonDepth: number
  /** Longest SPDX licence expression accepted in batch.json. */
  readonly maxLicenseChars: number
  /** Longest batch or document `title` and `collection`. */
  readonly maxTitleChars: number
  /** Longest of any other string in batch.json, `metadata` included. */
  readonly maxFieldChars: number
  /** Largest total of the document fields a batch registers: each file's defaults and own fields, as the catalog stores them. */
  readonly maxBatchFieldsBytes: number
  /** Largest set of fields one document carries from batch.json (defaults and its own entry), which every record read from it repeats. */
  readonly maxDocumentFieldsBytes: number
  /** Worker threads for the pure stages; 0 runs them on the main thread when there is no document timeout. */
  readonly workers: number
  /**
   * Longest time one document may take in one stage's pure part; longer, it is excluded as
   * `timeout` and its worker thread replaced. 0: no bound.
   */
  readonly documentTimeoutSeconds: number
  /** Fixed clock for reproducible rebuilds (seconds since the epoch), as in reproducible-builds.org. */
  readonly sourceDateEpoch: Option.Option<number>
}

export const settingsConfig: Config.Config<AcervoSettings> = Config.all({
  home: Config.string("ACERVO_HOME").pipe(Config.withDefault(".acervo"), Config.withDescription("catalog and batch store folder")),
  chunkDocuments: integerSetting("ACERVO_CHUNK_DOCUMENTS", 256, { min: 1, max: 100_000 }, "documents processed and committed together"),
  maxDocumentBytes: Config.integer("ACERVO_MAX_DOCUMENT_BYTES").pipe(
    Config.withDefault(16 * 1024 * 1024),
    Config.withDescription("largest document or JSONL line accepted, in bytes")
  ),
  shardMaxBytes: Config.integer("ACERVO_SHARD_MAX_BYTES").pipe(
    Config.withDefault(256 * 1024 * 1024),
    Config.withDescription("largest shard, in uncompressed JSONL bytes")
  ),
  shardFormats: listSetting("ACERVO_SHARD_FORMATS", "jsonl,parquet", "shard files written per shard: jsonl (gzip JSON lines), parquet (Snappy), or both").pipe(
    Config.validate({
      message: `ACERVO_SHARD_FORMATS lists one or both of ${shardFormats.join(", ")}, separated by a comma`,
      validation: (list) => list.length > 0 && list.every((f) => (shardFormats as ReadonlyArray<string>).includes(f))
    }),
    Config.map((list) => shardFormats.filter((f) => list.includes(f)))
  ),
  profiles: listSetting("ACERVO_PROFILES", "open,noncommercial", "release profiles, most permissive first"),
  maxArchiveBytes: Config.integer("ACERVO_MAX_ARCHIVE_BYTES").pipe(
    Config.withDefault(4 * 1024 * 1024 * 1024),
    Config.withDescription("largest total expanded size of a submitted archive")
  ),
  maxArchiveRatio: Config.number("ACERVO_MAX_ARCHIVE_RATIO").pipe(
    Config.withDefault(200),
    Config.withDescription("largest expanded/compressed ratio of a submitted archive")
  ),
  maxXmlDepth: Config.integer("ACERVO_MAX_XML_DEPTH").pipe(
    Config.withDefault(256),
    Config.withDescription("deepest XML nesting accepted")
  ),
  maxPdfPages: integerSetting("ACERVO_MAX_PDF_PAGES", DEFAULT_MAX_PDF_PAGES, { min: 1 }, "most pages read from one PDF; a longer PDF is excluded as pdf-too-many-pages"),
  maxPdfBytes: integerSetting("ACERVO_MAX_PDF_BYTES", DEFAULT_MAX_PDF_BYTES, { min: 1024 }, "largest PDF file read, in bytes (its text is bounded by ACERVO_MAX_DOCUMENT_BYTES); a larger one is excluded as too-large"),
  maxBatchJsonBytes: integerSetting("ACERVO_MAX_BATCH_JSON_BYTES", 16 * 1024 * 1024, { min: 1024 }, "largest batch.json accepted, in bytes (checked before it is read)"),
  maxBatchDocuments: integerSetting("ACERVO_MAX_BATCH_DOCUMENTS", 100_000, { min: 1 }, "most documents one batch may list, or hold without a documents list"),
  maxJsonDepth: integerSetting("ACERVO_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH, { min: 2, max: 10_000 }, "deepest nesting of objects and arrays in batch.json and in a JSONL line"),
  maxLicenseChars: integerSetting("ACERVO_MAX_LICENSE_CHARS", 1000, { min: 16 }, "longest SPDX licence expression accepted in batch.json, in characters"),
  maxTitleChars: integerSetting("ACERVO_MAX_TITLE_CHARS", 1000, { min: 16 }, "longest title or collection in batch.json, in characters"),
  maxFieldChars: integerSetting("ACERVO_MAX_FIELD_CHARS", 10_000, { min: 16 }, "longest of any other string in batch.json (metadata included), in characters"),
  maxBatchFieldsBytes: integerSetting("ACERVO_MAX_BATCH_FIELDS_BYTES", 64 * 1024 * 1024, { min: 1024 }, "largest total of the document fields a batch registers (defaults repeated for every file), in bytes"),
  maxDocumentFieldsBytes: integerSetting("ACERVO_MAX_DOCUMENT_FIELDS_BYTES", 16 * 1024, { min: 1024 }, "largest set of fields one document carries from batch.json (defaults and its own entry), in bytes: every record read from it, each JSONL line included, repeats them"),
  workers: integerSetting("ACERVO_WORKERS", availableParallelism(), { min: 0, max: 256 }, "worker threads for the pure stages (default: the machine's cores; 0: one, or none and all on the main thread when ACERVO_DOCUMENT_TIMEOUT_SECONDS is 0)"),
  documentTimeoutSeconds: Config.number("ACERVO_DOCUMENT_TIMEOUT_SECONDS").pipe(
    Config.withDefault(60),
    Config.validate({ message: "ACERVO_DOCUMENT_TIMEOUT_SECONDS must be 0 (no bound) or a number of seconds up to 86400", validation: (n) => n >= 0 && n <= 86_400 }),
    Config.withDescription("longest time one document may take in one stage before it is excluded as timeout (0: no bound, and ACERVO_WORKERS=0 then runs the stages on the main thread)")
  ),
  sourceDateEpoch: Config.option(Config.integer("SOURCE_DATE_EPOCH"))
})

export class Settings extends Context.Tag("acervo/Settings")<Settings, AcervoSettings>() {
  /** Settings from the environment, with command-line overrides on top. */
  static readonly layer = (overrides: Partial<AcervoSettings> = {}) =>
    Layer.effect(
      Settings,
      Effect.map(settingsConfig, (fromEnv) => ({ ...fromEnv, ...overrides }))
    )
}

/** Each stage's configuration, resolved once for a run, in the order of the stage list. */
export class StageSettings extends Context.Tag("acervo/StageSettings")<StageSettings, ReadonlyArray<unknown>>() {
  static readonly layer = Layer.effect(StageSettings, Effect.all(stages.map((s) => s.config as Config.Config<unknown>)))
}

/** One stage's configuration as the run resolves it. */
export const stageConfig = <C>(stage: AnyStage<never, never> | Stage<C, any, any>) =>
  Effect.map(StageSettings, (configs) => configs[stages.indexOf(stage as AnyStage<any, any>)] as C)

/** Hash of every setting that can change what a release contains (not where things live). */
export const configSha256 = (s: AcervoSettings, stageConfigs: ReadonlyArray<unknown>): string =>
  sha256Hex(
    canonicalJson({
      shardMaxBytes: s.shardMaxBytes,
      shardFormats: s.shardFormats,
      maxDocumentBytes: s.maxDocumentBytes,
      maxJsonDepth: s.maxJsonDepth,
      maxXmlDepth: s.maxXmlDepth,
      maxPdfPages: s.maxPdfPages,
      maxPdfBytes: s.maxPdfBytes,
      profiles: s.profiles,
      stages: Object.fromEntries(stages.map((stage, i) => [stage.name, stageConfigs[i]]))
    })
  )
