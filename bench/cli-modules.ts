// The bench modules the command line loads at run time (pipeline/cli/bench-modules.ts) satisfy the
// interfaces it declares: checked by `npm run typecheck`, never run.
import type { DedupEvalModule, DedupPlantModule, LangidEvalModule, QualityEvalModule } from "../pipeline/cli/bench-modules.ts"
import type { PlantedPair, PlantOptions } from "./dedup-plant.ts"
import type { DedupEvaluation } from "./dedup-score.ts"
import type { Evaluation } from "./langid-eval.ts"
import type { EvalResult } from "./quality-eval.ts"

type Satisfies<Module extends Interface, Interface> = [Module, Interface]

export type BenchModulesChecked = [
  Satisfies<typeof import("./dedup-plant.ts"), DedupPlantModule<PlantOptions>>,
  Satisfies<typeof import("./dedup-eval.ts"), DedupEvalModule<PlantedPair, DedupEvaluation>>,
  Satisfies<typeof import("./quality-eval.ts"), QualityEvalModule<EvalResult>>,
  Satisfies<typeof import("./langid-eval.ts"), LangidEvalModule<Evaluation>>
]
