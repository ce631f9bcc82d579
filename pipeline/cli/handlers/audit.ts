import { Console, Effect, Option } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { Ledger } from "../../../catalog/ledger.ts"
import { Releases } from "../../../catalog/releases.ts"
import { verifyRelease } from "../../../manifests/verify.ts"
import { settingsConfig } from "../../config.ts"
import { VerificationFailed } from "../../errors.ts"
import { appLayer, existingCatalogLayer } from "../layers.ts"
import { overridesFrom } from "../options.ts"

export const verify = ({ dir, home }: { readonly dir: string; readonly home: Option.Option<string> }) =>
  Effect.gen(function* () {
    const settings = yield* settingsConfig
    const homeDir = Option.getOrElse(home, () => settings.home)
    const hasCatalog = existsSync(join(homeDir, "catalog.db"))
    const lookup = hasCatalog
      ? (name: string) => Effect.runPromise(Effect.flatMap(Releases, (c) => c.release(name)).pipe(Effect.provide(appLayer({ home: homeDir }))))
      : undefined
    const report = yield* Effect.promise(() => verifyRelease(dir, lookup))
    if (!hasCatalog) yield* Console.error(`note: no catalog at ${homeDir}; checked the shards against the manifest only (--home to point at one)`)
    if (report.mismatches.length > 0) return yield* new VerificationFailed({ release: dir, mismatches: report.mismatches })
    yield* Console.log(`${dir}: OK — ${report.shardsChecked} shard(s), ${report.records} records match the manifest${hasCatalog ? " and the catalog" : ""}`)
  })

export const ledger = ({ home }: { readonly home: Option.Option<string> }) =>
  Effect.gen(function* () {
    const result = yield* (yield* Ledger).verify
    if (result.broken) {
      return yield* new VerificationFailed({ release: "ledger", mismatches: [`entry ${result.broken.seq}: ${result.broken.problem}`] })
    }
    yield* Console.log(`ledger: OK — ${result.entries} entries, hash chain intact`)
  }).pipe(Effect.provide(existingCatalogLayer(overridesFrom(home))))
