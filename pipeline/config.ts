import { Config, Context, Effect, Layer, Option } from "effect"
import { canonicalJson, sha256Hex } from "./hashing.ts"

export type LangMismatchAction = "flag" | "exclude"

export interface AcervoSettings {
  /** Where the catalog, stored batches and staging live. */
  readonly home: string
  /** Documents per processing chunk: one transaction, and at most this much lost by a crash. */
  readonly chunkDocuments: number
  /** Larger documents (and JSONL lines) are excluded as `too-large` instead of being held in memory. */
  readonly maxDocumentBytes: number
  /** Upper bound of uncompressed JSONL bytes in one shard file. */
  readonly shardMaxBytes: number
  readonly langidCandidates: ReadonlyArray<string>
  /** Segments of a document sampled for language shares; bounds langid cost on long documents. */
  readonly langidSegments: number
  /** Share of identified text a document's label needs; below it the document is `mul`. */
  readonly langidDominantShare: number
  readonly langMismatchAction: LangMismatchAction
  /** Shorter documents are never a confident mismatch: franc is unreliable on a sentence or two. */
  readonly langMismatchMinChars: number
  /** Release profiles written by default, most permissive first; a record goes to the first that admits it. */
  readonly profiles: ReadonlyArray<string>
  /** Archive expansion bounds applied by `submit`. */
  readonly maxArchiveBytes: number
  readonly maxArchiveRatio: number
  /** JSON file of per-language quality thresholds; undefined for the bundled defaults. */
  readonly qualityThresholds: string | undefined
  /** Deepest XML element nesting accepted; deeper files are refused as unsafe. */
  readonly maxXmlDepth: number
  /** Near-duplicate detection: MinHash shingles and LSH bands, and the Jaccard similarity that makes a copy. */
  readonly dedup: DedupSettings
  /** Fixed clock for reproducible rebuilds (seconds since the epoch), as in reproducible-builds.org. */
  readonly sourceDateEpoch: Option.Option<number>
}

export type SurvivorCriterion = "earliest" | "institution" | "kind" | "quality"

export interface DedupSettings {
  readonly shingleWords: number
  readonly bands: number
  readonly rows: number
  readonly jaccard: number
  /** Criteria that choose a cluster's survivor, in order; submission order breaks every tie. */
  readonly survivor: ReadonlyArray<SurvivorCriterion>
  readonly preferredInstitutions: ReadonlyArray<string>
  readonly preferredKinds: ReadonlyArray<string>
}

/** The defaults of the ACERVO_DEDUP_* settings, for evaluations and tests that set no environment. */
export const defaultDedupSettings: DedupSettings = {
  shingleWords: 5,
  bands: 14,
  rows: 8,
  jaccard: 0.8,
  survivor: ["earliest"],
  preferredInstitutions: [],
  preferredKinds: []
}

/** A whole-number setting with a default, checked against its range with a message naming both. */
export const integerSetting = (name: string, fallback: number, range: { readonly min: number; readonly max?: number }, description: string) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({
      message: range.max === undefined ? `${name} must be ${range.min} or more` : `${name} must be between ${range.min} and ${range.max}`,
      validation: (n) => n >= range.min && (range.max === undefined || n <= range.max)
    }),
    Config.withDescription(description)
  )

const list = (name: string, fallback: string, description: string) =>
  Config.string(name).pipe(
    Config.withDefault(fallback),
    Config.withDescription(description),
    Config.map((s) => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0))
  )

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
  langidCandidates: list("ACERVO_LANGID_CANDIDATES", "spa,por,arn,rap,glg,cat,ast,eng,quz,quy,ayr,gug,tah,mri,haw,smo,rar", "ISO 639-3 codes the language identifier may answer"),
  langidSegments: Config.integer("ACERVO_LANGID_SEGMENTS").pipe(
    Config.withDefault(64),
    Config.withDescription("sentence segments sampled per document for language shares")
  ),
  langidDominantShare: Config.number("ACERVO_LANGID_DOMINANT_SHARE").pipe(
    Config.withDefault(0.6),
    Config.validate({ message: "ACERVO_LANGID_DOMINANT_SHARE must be above 0.5 and at most 1", validation: (n) => n > 0.5 && n <= 1 }),
    Config.withDescription("share of a document's identified text its label needs; below it the document is `mul`")
  ),
  langMismatchAction: Config.literal("flag", "exclude")("ACERVO_LANG_MISMATCH").pipe(
    Config.withDefault("flag" as const),
    Config.withDescription("what a confident declared/detected mismatch does")
  ),
  langMismatchMinChars: Config.integer("ACERVO_LANG_MISMATCH_MIN_CHARS").pipe(
    Config.withDefault(200),
    Config.withDescription("shortest text whose declared/detected mismatch can count as confident")
  ),
  profiles: list("ACERVO_PROFILES", "open,noncommercial", "release profiles, most permissive first"),
  maxArchiveBytes: Config.integer("ACERVO_MAX_ARCHIVE_BYTES").pipe(
    Config.withDefault(4 * 1024 * 1024 * 1024),
    Config.withDescription("largest total expanded size of a submitted archive")
  ),
  maxArchiveRatio: Config.number("ACERVO_MAX_ARCHIVE_RATIO").pipe(
    Config.withDefault(200),
    Config.withDescription("largest expanded/compressed ratio of a submitted archive")
  ),
  qualityThresholds: Config.option(Config.string("ACERVO_QUALITY_THRESHOLDS")).pipe(
    Config.map(Option.getOrUndefined),
    Config.withDescription("JSON file of per-language quality thresholds (default: stages/quality/thresholds.json)")
  ),
  maxXmlDepth: Config.integer("ACERVO_MAX_XML_DEPTH").pipe(
    Config.withDefault(256),
    Config.withDescription("deepest XML nesting accepted")
  ),
  dedup: Config.all({
    shingleWords: integerSetting("ACERVO_DEDUP_SHINGLE_WORDS", 5, { min: 1, max: 32 }, "words per shingle for near-duplicate detection"),
    bands: integerSetting("ACERVO_DEDUP_BANDS", 14, { min: 1, max: 64 }, "LSH bands; bands × rows MinHash functions"),
    rows: integerSetting("ACERVO_DEDUP_ROWS", 8, { min: 1, max: 32 }, "MinHash values per LSH band"),
    jaccard: Config.number("ACERVO_DEDUP_JACCARD").pipe(
      Config.withDefault(0.8),
      Config.validate({ message: "ACERVO_DEDUP_JACCARD must be above 0 and at most 1", validation: (n) => n > 0 && n <= 1 }),
      Config.withDescription("Jaccard similarity of shingles from which two documents are copies of one text")
    ),
    survivor: list("ACERVO_DEDUP_SURVIVOR", "earliest", "criteria choosing which copy of a text survives, in order: earliest, institution, kind, quality").pipe(
      Config.validate({
        message: "ACERVO_DEDUP_SURVIVOR takes a comma-separated list of earliest, institution, kind, quality",
        validation: (xs) => xs.length > 0 && xs.every((x) => ["earliest", "institution", "kind", "quality"].includes(x))
      }),
      Config.map((xs) => xs as ReadonlyArray<SurvivorCriterion>)
    ),
    preferredInstitutions: list("ACERVO_DEDUP_PREFERRED_INSTITUTIONS", "", "institutions whose copy survives, most preferred first (criterion `institution`)"),
    preferredKinds: list("ACERVO_DEDUP_PREFERRED_KINDS", "", "document kinds whose copy survives, most preferred first (criterion `kind`)")
  }),
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

/** Hash of every setting that can change what a release contains (not where things live). */
export const configSha256 = (s: AcervoSettings): string =>
  sha256Hex(
    canonicalJson({
      shardMaxBytes: s.shardMaxBytes,
      maxDocumentBytes: s.maxDocumentBytes,
      langidCandidates: s.langidCandidates,
      langidSegments: s.langidSegments,
      langidDominantShare: s.langidDominantShare,
      langMismatchAction: s.langMismatchAction,
      langMismatchMinChars: s.langMismatchMinChars,
      profiles: s.profiles,
      dedup: s.dedup
    })
  )
