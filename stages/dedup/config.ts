import { Config } from "effect"
import { fractionSetting, integerSetting, listSetting } from "../../domain/config.ts"
import type { MinHashParams } from "./minhash.ts"

export type SurvivorCriterion = "earliest" | "institution" | "kind" | "quality"

export interface DedupConfig {
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
export const defaultDedupConfig: DedupConfig = {
  shingleWords: 5,
  bands: 14,
  rows: 8,
  jaccard: 0.8,
  survivor: ["earliest"],
  preferredInstitutions: [],
  preferredKinds: []
}

const criteria: ReadonlyArray<SurvivorCriterion> = ["earliest", "institution", "kind", "quality"]

export const dedupConfig: Config.Config<DedupConfig> = Config.all({
  shingleWords: integerSetting("ACERVO_DEDUP_SHINGLE_WORDS", 5, { min: 1, max: 32 }, "words per shingle for near-duplicate detection"),
  bands: integerSetting("ACERVO_DEDUP_BANDS", 14, { min: 1, max: 64 }, "LSH bands; bands × rows MinHash functions"),
  rows: integerSetting("ACERVO_DEDUP_ROWS", 8, { min: 1, max: 32 }, "MinHash values per LSH band"),
  jaccard: fractionSetting("ACERVO_DEDUP_JACCARD", 0.8, { above: 0, atMost: 1 }, "Jaccard similarity of shingles from which two documents are copies of one text"),
  survivor: listSetting("ACERVO_DEDUP_SURVIVOR", "earliest", "criteria choosing which copy of a text survives, in order: earliest, institution, kind, quality").pipe(
    Config.validate({
      message: "ACERVO_DEDUP_SURVIVOR takes a comma-separated list of earliest, institution, kind, quality",
      validation: (xs) => xs.length > 0 && xs.every((x) => (criteria as ReadonlyArray<string>).includes(x))
    }),
    Config.map((xs) => xs as ReadonlyArray<SurvivorCriterion>)
  ),
  preferredInstitutions: listSetting("ACERVO_DEDUP_PREFERRED_INSTITUTIONS", "", "institutions whose copy survives, most preferred first (criterion `institution`)"),
  preferredKinds: listSetting("ACERVO_DEDUP_PREFERRED_KINDS", "", "document kinds whose copy survives, most preferred first (criterion `kind`)")
})

export const minHashParams = (config: DedupConfig): MinHashParams => ({
  shingleWords: config.shingleWords,
  bands: config.bands,
  rows: config.rows,
  seed: 1
})
