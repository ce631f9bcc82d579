import { Clock, Effect, Option } from "effect"
import { Settings } from "./config.ts"

/** Now, as an ISO timestamp: SOURCE_DATE_EPOCH when set (reproducible rebuilds), else the Clock. */
export const nowIso: Effect.Effect<string, never, Settings> = Effect.gen(function* () {
  const settings = yield* Settings
  const millis = Option.isSome(settings.sourceDateEpoch) ? settings.sourceDateEpoch.value * 1000 : yield* Clock.currentTimeMillis
  return new Date(millis).toISOString()
})
