import { Console, Effect, Option } from "effect"
import { renderTrace, traceRecord } from "../../trace.ts"
import { existingCatalogLayer } from "../layers.ts"
import { overridesFrom } from "../options.ts"

export const trace = ({ record, json, home }: { readonly record: string; readonly json: boolean; readonly home: Option.Option<string> }) =>
  traceRecord(record).pipe(
    Effect.flatMap((t) => Console.log(json ? JSON.stringify(t, null, 2) : renderTrace(t))),
    Effect.provide(existingCatalogLayer(overridesFrom(home)))
  )
