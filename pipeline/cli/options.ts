import * as Options from "@effect/cli/Options"
import * as Option from "effect/Option"
import type { AcervoSettings } from "../config.ts"

/** Options several commands share. */
export const home = Options.text("home").pipe(
  Options.withDescription("catalog folder (default: $ACERVO_HOME or ./.acervo)"),
  Options.optional
)
export const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of tables"))

export const overridesFrom = (h: Option.Option<string>): Partial<AcervoSettings> => (Option.isSome(h) ? { home: h.value } : {})
