import { RE2JS } from "re2js"

/** Longest regular expression a partner may give (`reader.transcript.noise`), in characters. */
export const MAX_PATTERN_CHARS = 300

/**
 * Largest compiled pattern accepted, in RE2 instructions. Matching is linear in the text, times at
 * most this: counted repetitions such as `.{250}x` compile to one instruction per count, and the
 * matcher then follows that many states per character (bench: `npm run bench -- --patterns-only`).
 */
export const MAX_PATTERN_PROGRAM = 300

/**
 * Longest line (a speaker turn) a partner's pattern is applied to, in characters. Time is linear,
 * but at the largest admitted pattern about 25 s per MB of one line: a line this long costs under
 * two seconds, and the reader checks ACERVO_DOCUMENT_TIMEOUT_SECONDS between lines.
 */
export const MAX_PATTERN_LINE_CHARS = 65_536

export const RE2_SYNTAX = "https://github.com/google/re2/wiki/Syntax"

/** A partner's pattern, compiled for a matcher whose time is linear in the text. */
export interface PartnerPattern {
  readonly source: string
  /** Every match in `text` replaced by `replacement` (taken literally), as `String.replace` with a global pattern. */
  readonly replaceAll: (text: string, replacement: string) => string
}

export type PatternCheck =
  | { readonly _tag: "Valid"; readonly pattern: PartnerPattern }
  | { readonly _tag: "Invalid"; readonly problem: string; readonly fix: string }

const invalid = (problem: string, fix: string): PatternCheck => ({ _tag: "Invalid", problem, fix })

const fixFor = (message: string): string => {
  if (/\(\?[=!]|\(\?<[=!]|`\\[1-9k]/.test(message)) {
    return "a pattern without lookahead, lookbehind or backreferences, which RE2 syntax does not have (they are what can make matching take exponential time); match the text itself instead"
  }
  if (message.includes("`\\u")) return "\\x{00E9} instead of \\u00E9 for a character by its code (RE2 syntax)"
  return `a regular expression in RE2 syntax (${RE2_SYNTAX})`
}

/**
 * Compiles a partner-supplied regular expression with RE2 (re2js), whose matching time is linear in
 * the text whatever the pattern: a pattern such as `(a+)+$` cannot make a run hang. Patterns are
 * case-insensitive, as `reader.transcript.noise` always was. RE2 refuses what JavaScript's RegExp
 * has and RE2 has not (lookaround, backreferences); too long or too large a pattern is refused too.
 */
export const checkPartnerPattern = (source: string): PatternCheck => {
  if (source.length > MAX_PATTERN_CHARS) {
    return invalid(`is ${source.length} characters long, over the limit of ${MAX_PATTERN_CHARS}`, `a pattern of at most ${MAX_PATTERN_CHARS} characters: list only the marks the transcripts use`)
  }
  let compiled: RE2JS
  try {
    // Compiled once without the flag, so that a syntax error quotes the partner's pattern as written.
    RE2JS.compile(source)
    compiled = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE)
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    return invalid(`does not compile as a regular expression: ${message}`, fixFor(message))
  }
  if (compiled.programSize() > MAX_PATTERN_PROGRAM) {
    return invalid(
      `compiles to ${compiled.programSize()} instructions, over the limit of ${MAX_PATTERN_PROGRAM} (large counted repetitions such as {400} cost that much per character of text)`,
      "a smaller pattern: fewer or smaller counted repetitions"
    )
  }
  if (compiled.testExact("")) {
    return invalid("matches the empty text, so it would put a space between every two characters", "a pattern that matches at least one character, e.g. <(?:uh|hm)> instead of <?(?:uh|hm)?>?")
  }
  return {
    _tag: "Valid",
    // `test` runs RE2's DFA, many times faster than finding the matches: most lines have none.
    pattern: { source, replaceAll: (text, replacement) => (compiled.test(text) ? compiled.matcher(text).replaceAll(RE2JS.quoteReplacement(replacement)) : text) }
  }
}
