import { Console, Effect, Option } from "effect"
import { submitBatch } from "../../batch/submit.ts"
import { formatProblem } from "../../errors.ts"
import { appLayer } from "../layers.ts"
import { overridesFrom } from "../options.ts"

export const submit = ({ paths, institution, home }: { readonly paths: ReadonlyArray<string>; readonly institution: Option.Option<string>; readonly home: Option.Option<string> }) =>
  Effect.forEach(paths, (path) =>
    submitBatch(path, Option.getOrUndefined(institution)).pipe(
      Effect.tap((r) =>
        Console.log(
          [
            r.status === "registered"
              ? `${path}: registered batch ${r.institution}/${r.batchId} (${r.documents} document file(s), sha256 ${r.contentSha256.slice(0, 16)}…)`
              : `${path}: already registered as ${r.institution}/${r.batchId}; nothing changed`,
            ...r.warnings.map((w) => `  ${formatProblem(w)}`)
          ].join("\n")
        )
      )
    ),
    { discard: true }
  ).pipe(Effect.provide(appLayer(overridesFrom(home))))
