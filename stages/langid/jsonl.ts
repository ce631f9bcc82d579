import { Either, ParseResult, Schema } from "effect"
import { identify, type IdentifyOptions } from "./identify.ts"
import type { IdentificationResult } from "./worker-protocol.ts"

const TextLine = Schema.Struct({ text: Schema.String })
const decodeTextLine = Schema.decodeUnknownEither(TextLine)

export const identifyText = (text: string, options: IdentifyOptions): IdentificationResult => {
  const id = identify(text, options)
  return { lang: id.lang, score: id.score, langs: id.langs }
}

/**
 * `{"text": …}` lines to `{"lang", "score", "langs"}` lines, or the first bad line's problem with
 * its number and the fix. Used in this thread and in the worker threads alike.
 */
export const identifyJsonlLines = (
  lines: ReadonlyArray<string>,
  numbers: ReadonlyArray<number>,
  source: string,
  options: IdentifyOptions
): Either.Either<string, string> => {
  let out = ""
  for (let i = 0; i < lines.length; i++) {
    let parsed: unknown
    try {
      parsed = JSON.parse(lines[i]!)
    } catch (e) {
      return Either.left(`${source}, line ${numbers[i]}: not JSON (${(e as Error).message}); each line must be a JSON object with a "text" string`)
    }
    const decoded = decodeTextLine(parsed)
    if (Either.isLeft(decoded)) {
      const problem = ParseResult.TreeFormatter.formatErrorSync(decoded.left).split("\n").slice(-1)[0]!.trim()
      return Either.left(`${source}, line ${numbers[i]}: ${problem}; each line must be a JSON object with a "text" string`)
    }
    out += `${JSON.stringify(identifyText(decoded.right.text, options))}\n`
  }
  return Either.right(out)
}
