import { Config } from "effect"
import { kept } from "../../domain/document.ts"
import { stages as pipelineStages } from "../../stages/index.ts"
import { defineStage } from "../../stages/stage.ts"

/** Text that makes the stall stage spin until its worker thread is stopped. */
export const STALL_MARKER = "STALL-MARKER-7f3a"

/** A pure stage that never finishes a document holding STALL_MARKER, as a pathological input to a stage would not. */
export const stallStage = defineStage({
  name: "stall",
  config: Config.succeed({}),
  describe: () => "spins without end on a document holding the stall marker",
  pure: () => (doc) => {
    if (doc.text.includes(STALL_MARKER)) for (;;);
    return kept(doc)
  }
})

/** The stage list with the stall stage after pii: the stage list a test's worker threads take (PurePoolOptions.stagesModule). */
export const stages = [...pipelineStages.slice(0, 3), stallStage, ...pipelineStages.slice(3)]
