import { Console, Effect, Option } from "effect"
import { renderStatus, statusReport } from "../../status.ts"
import { existingCatalogLayer } from "../layers.ts"
import { overridesFrom } from "../options.ts"

export const status = ({ batch, json, home }: { readonly batch: Option.Option<string>; readonly json: boolean; readonly home: Option.Option<string> }) =>
  statusReport(Option.getOrUndefined(batch)).pipe(
    Effect.flatMap((r) =>
      Console.log(
        json ? JSON.stringify(r, null, 2) : r.batches.length === 0 ? "no batch is registered yet; submit one with `acervo submit PATH`" : renderStatus(r)
      )
    ),
    Effect.provide(existingCatalogLayer(overridesFrom(home)))
  )
