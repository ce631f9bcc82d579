import { Console, Effect, Option } from "effect"
import { allStageNames } from "../../../stages/index.ts"
import { releaseProfiles } from "../../../licenses/profiles.ts"
import { Batches } from "../../../catalog/batches.ts"
import { Settings } from "../../config.ts"
import { UsageError } from "../../errors.ts"
import { writeRelease } from "../../release.ts"
import { processPending } from "../../run.ts"
import { withRunLock } from "../../run-lock.ts"
import { cleanAbandonedIntake } from "../../batch/store.ts"
import { table } from "../../table.ts"
import { nowIso } from "../../clock.ts"
import { appLayer } from "../layers.ts"
import { overridesFrom } from "../options.ts"

const defaultReleaseName = Effect.map(nowIso, (iso) => `r${iso.slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}`)

export const run = ({ release, out, profile, stages, home }: {
  readonly release: Option.Option<string>
  readonly out: string
  readonly profile: ReadonlyArray<string>
  readonly stages: Option.Option<string>
  readonly home: Option.Option<string>
}) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const chosen = Option.isSome(stages) ? stages.value.split(",").map((s) => s.trim()).filter(Boolean) : [...allStageNames]
    const unknown = chosen.filter((s) => !(allStageNames as ReadonlyArray<string>).includes(s))
    if (unknown.length > 0) return yield* new UsageError({ message: `unknown stage(s) ${unknown.join(", ")}; stages are ${allStageNames.join(", ")}` })
    const processing = allStageNames.filter((s) => s !== "shard")
    const someProcessing = processing.filter((s) => chosen.includes(s))
    if (someProcessing.length > 0 && someProcessing.length < processing.length) {
      return yield* new UsageError({ message: `stages ${processing.join(", ")} run together on each document; pass all of them, or only shard to rebuild the release` })
    }
    const profiles = profile.length > 0 ? profile : settings.profiles
    const unknownProfiles = profiles.filter((p) => !releaseProfiles.some((k) => k.name === p))
    if (unknownProfiles.length > 0) {
      return yield* new UsageError({ message: `unknown profile(s) ${unknownProfiles.join(", ")}; known: ${releaseProfiles.map((p) => p.name).join(", ")}` })
    }
    const catalog = yield* Batches
    if ((yield* catalog.batches).length === 0) {
      return yield* new UsageError({ message: `no batch is registered in ${settings.home}: nothing to process or release; submit one first with \`acervo submit PATH\`` })
    }
    const name = Option.isSome(release) ? release.value : yield* defaultReleaseName
    const summary = yield* withRunLock(
      settings.home,
      Effect.gen(function* () {
        yield* cleanAbandonedIntake(settings.home)
        if (someProcessing.length > 0) yield* processPending
        return chosen.includes("shard") ? yield* writeRelease({ name, outDir: out, profiles }) : undefined
      })
    )
    if (!summary) return
    const m = summary.manifest
    yield* Console.log(
      [
        `release ${m.release}: ${summary.dir}`,
        "",
        table(
          ["language", "documents", "characters"],
          [...Object.entries(m.totals.by_language).map(([l, t]) => [l, t.documents, t.characters]), ["total", m.totals.documents, m.totals.characters]]
        ),
        "",
        Object.keys(m.excluded).length ? table(["excluded because", "documents"], Object.entries(m.excluded)) : "excluded: none",
        ...(Object.keys(m.flagged).length ? ["", table(["flagged", "documents"], Object.entries(m.flagged))] : []),
        ...(m.outside_profiles > 0 ? ["", `${m.outside_profiles} kept document(s) fit none of the profiles ${m.profiles.map((p) => p.name).join(", ")}`] : [])
      ].join("\n")
    )
  }).pipe(Effect.provide(appLayer(overridesFrom(home))))
