import { join } from "node:path"
import { projectRoot } from "../../domain/project-root.ts"

// Where language identification keeps its files, in a module of its own so that the command line
// can show them as defaults without loading the identifier.

/** Folder of the language profiles, one `<lang>.json` each. */
export const profilesDir = join(projectRoot, "corpora", "langid", "profiles")

/** Per-language confidence thresholds that `acervo langid calibrate` writes. */
export const thresholdsFile = join(projectRoot, "corpora", "langid", "thresholds.json")
