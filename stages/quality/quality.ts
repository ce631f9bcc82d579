import { Effect } from "effect"
import { kept, type Stage } from "../stage.ts"

/** In the stage list so the order and accounting are real; language-aware heuristics come with issue 8. */
export const qualityStage: Stage = {
  name: "quality",
  describe: "pass-through (language-aware quality filters are not built yet)",
  process: (chunk) => Effect.succeed(chunk.map(kept))
}
