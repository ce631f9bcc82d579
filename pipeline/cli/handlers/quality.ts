import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { loadBench } from "../bench-modules.ts"

export const qualityEval = ({ json }: { readonly json: boolean }) =>
  Effect.gen(function* () {
    const { evaluateQuality, renderQualityEvaluation } = yield* loadBench("quality-eval")
    const results = yield* Effect.promise(() => evaluateQuality())
    yield* Console.log(json ? JSON.stringify(results, null, 2) : renderQualityEvaluation(results))
  })
