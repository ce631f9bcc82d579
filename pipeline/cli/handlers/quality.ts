import { Console, Effect } from "effect"
import { evaluateQuality } from "../../../bench/quality-eval.ts"
import { table } from "../../status.ts"

export const qualityEval = ({ json }: { readonly json: boolean }) =>
  Effect.gen(function* () {
    const results = yield* Effect.promise(() => evaluateQuality())
    if (json) return yield* Console.log(JSON.stringify(results, null, 2))
    yield* Console.log(
      table(
        ["set", "documents", "kept", "removed", "as expected", "removed because"],
        results.map((r) => [r.name, r.documents, r.kept, r.removed, `${(r.rate * 100).toFixed(1)}% ${r.expect === "keep" ? "kept" : "removed"}`, Object.entries(r.reasons).map(([k, v]) => `${k} ${v}`).join(", ")])
      )
    )
  })
