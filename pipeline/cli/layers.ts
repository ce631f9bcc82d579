import { Effect, Layer } from "effect"
import { catalogLayer } from "../catalog/catalog.ts"
import { Settings, type AcervoSettings } from "../config.ts"
import { Progress } from "../progress.ts"

/** One wiring for the CLI, the benchmark and the tests: settings, the catalog under `home`, progress. */
export const appLayer = (overrides: Partial<AcervoSettings> = {}, progress: Layer.Layer<Progress> = Progress.stderr()) => {
  const settings = Settings.layer(overrides)
  const catalog = Layer.unwrapEffect(Effect.map(Settings, (s) => catalogLayer(s.home))).pipe(Layer.provide(settings))
  return Layer.mergeAll(settings, catalog, progress)
}
