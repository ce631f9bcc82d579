import { ConfigProvider, Effect, Layer } from "effect"
import { catalogLayer } from "../../catalog/catalog.ts"
import { Settings, StageSettings, type AcervoSettings } from "../config.ts"
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

/** What `appLayer` provides. */
export type AppServices = Layer.Layer.Success<ReturnType<typeof appLayer>>
