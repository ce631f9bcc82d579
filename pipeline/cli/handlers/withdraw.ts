import { Console, Effect, Option } from "effect"
import { Settings } from "../../config.ts"
import { withRunLock } from "../../run-lock.ts"
import { withdraw as withdrawFromCatalog } from "../../withdraw.ts"
import { existingCatalogLayer } from "../layers.ts"
import { overridesFrom } from "../options.ts"

export const withdraw = ({ batch, document, reason, home }: {
  readonly batch: Option.Option<string>
  readonly document: Option.Option<string>
  readonly reason: string
  readonly home: Option.Option<string>
}) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const result = yield* withRunLock(settings.home, withdrawFromCatalog({ batch: Option.getOrUndefined(batch), document: Option.getOrUndefined(document) }, reason))
    if (result.alreadyWithdrawn) {
      yield* Console.log(`already withdrawn: ${Option.getOrElse(batch, () => Option.getOrElse(document, () => ""))} is out of every later release; nothing changed`)
      return
    }
    yield* Console.log(
      [
        `withdrawn: ${result.withdrawn} document(s)${result.pendingFilesClosed ? `; ${result.pendingFilesClosed} unprocessed file(s) will not be read` : ""}; recorded in the ledger`,
        ...result.reelected.map((r) => `  ${r.survivor} now stands for its cluster in place of ${r.withdrawn}`),
        "the next `acervo run` writes a release without them and lists them in tombstones.jsonl"
      ].join("\n")
    )
  }).pipe(Effect.provide(existingCatalogLayer(overridesFrom(home))))
