import type { Catalog } from "../pipeline/catalog/catalog.ts"
import type { AcervoSettings } from "../pipeline/config.ts"
import type { CatalogError } from "../pipeline/errors.ts"
import { dedupStage } from "./dedup/dedup.ts"
import { gateStage } from "./gate/gate.ts"
import { langidStage } from "./langid/langid.ts"
import { normalizeStage } from "./normalize/normalize.ts"
import { piiStage } from "./pii/pii.ts"
import { loadQualityConfig, qualityStage } from "./quality/quality.ts"
import type { Stage, StageName } from "./stage.ts"

/** The per-document stages, in order, between ingest (readers) and shard (the release phase). */
export const processingStages = (settings: AcervoSettings, now: Date): ReadonlyArray<Stage<Catalog, CatalogError>> => [
  normalizeStage,
  langidStage(settings),
  piiStage,
  qualityStage(loadQualityConfig(settings.qualityThresholds)),
  dedupStage(settings.dedup),
  gateStage(settings, now)
]

export const allStageNames: ReadonlyArray<StageName> = ["ingest", "normalize", "langid", "pii", "quality", "dedup", "gate", "shard"]
