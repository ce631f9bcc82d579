import { Effect } from "effect"
import { kept, type Stage } from "../stage.ts"

/** In the stage list so the order and accounting are real; detection and redaction come with issue 8. */
export const piiStage: Stage = {
  name: "pii",
  describe: "pass-through (personal-data redaction is not built yet)",
  process: (chunk) => Effect.succeed(chunk.map(kept))
}
