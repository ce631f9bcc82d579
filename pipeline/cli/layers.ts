import { ConfigProvider, Effect, Layer } from "effect"
import { catalogLayer } from "../../catalog/catalog.ts"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { Settings, settingsConfig, StageSettings, type AcervoSettings } from "../config.ts"
import { NoCatalog } from "../errors.ts"
import { Progress } from "../progress.ts"
import { purePoolLayer } from "../workers/pool.ts"

/**
 * One wiring for the CLI, the benchmark and the tests: settings, each stage's configuration, the
 * catalog under `home`, the worker pool, progress. `environment` sets variables (`ACERVO_DEDUP_ROWS`
 * …) over the process's own, for tests and evaluations.
 */
export const appLayer = (overrides: Partial<AcervoSettings> = {}, progress: Layer.Layer<Progress> = Progress.stderr(), environment: Record<string, string> = {}) => {
  const settings = Settings.layer(overrides)
  const catalog = Layer.unwrapEffect(Effect.map(Settings, (s) => catalogLayer(s.home))).pipe(Layer.provide(settings))
  const pool = purePoolLayer.pipe(Layer.provide(settings))
  const layer = Layer.mergeAll(settings, StageSettings.layer, catalog, pool, progress)
  if (Object.keys(environment).length === 0) return layer
  const provider = ConfigProvider.fromMap(new Map(Object.entries(environment))).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
  return layer.pipe(Layer.provide(Layer.setConfigProvider(provider)))
}

/**
 * `appLayer` for a command that reads an existing catalog (status, trace, withdraw, …): a home
 * without one is refused with `NoCatalog` instead of being given a new, empty catalog.
 */
export const existingCatalogLayer = (overrides: Partial<AcervoSettings> = {}) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const home = overrides.home ?? (yield* settingsConfig).home
      if (!existsSync(join(home, "catalog.db"))) return yield* new NoCatalog({ home })
      return appLayer(overrides)
    })
  )

/** What `appLayer` provides. */
export type AppServices = Layer.Layer.Success<ReturnType<typeof appLayer>>
