import { Schema } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { scoringText } from "./fold.ts"
import { profilesDir } from "./paths.ts"

/** Trigrams a profile keeps, as in franc. */
export const PROFILE_SIZE = 300

/**
 * A language profile in franc's model: the language's most frequent trigrams of folded text,
 * most frequent first, joined with `|`; plus where it was built from, so that it can be rebuilt
 * and its licence followed.
 */
export const LanguageProfile = Schema.Struct({
  format: Schema.Literal("acervo-langid-profile/1"),
  lang: Schema.String.pipe(Schema.pattern(/^[a-z]{3}$/)),
  trigrams: Schema.String,
  sources: Schema.Array(Schema.Struct({ file: Schema.String, sha256: Schema.String, characters: Schema.Number })),
  license: Schema.String,
  attribution: Schema.String
})
export type LanguageProfile = typeof LanguageProfile.Type

/** Trigram counts of lines of text, each line padded on its own so that no trigram spans two lines. */
export const countTrigrams = (lines: Iterable<string>, counts = new Map<string, number>()): Map<string, number> => {
  for (const line of lines) {
    const value = scoringText(line)
    if (value.length < 3 || value === "  ") continue
    for (let i = 0; i + 3 <= value.length; i++) {
      const t = value.slice(i, i + 3)
      counts.set(t, (counts.get(t) ?? 0) + 1)
    }
  }
  return counts
}

/** The PROFILE_SIZE most frequent trigrams; ties broken by code point order so that builds are reproducible. */
export const rankTrigrams = (counts: ReadonlyMap<string, number>): Array<string> =>
  [...counts]
    .filter(([t]) => t.trim().length > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, PROFILE_SIZE)
    .map(([t]) => t)

export { profilesDir }

const decodeProfile = Schema.decodeUnknownSync(Schema.parseJson(LanguageProfile))

/** Every profile in `dir`, by language. */
export const loadProfiles = (dir = profilesDir): ReadonlyMap<string, LanguageProfile> => {
  const profiles = new Map<string, LanguageProfile>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const profile = decodeProfile(readFileSync(join(dir, file), "utf8"))
    profiles.set(profile.lang, profile)
  }
  return profiles
}

/**
 * The profile of one language from its training files. Each file's trigram counts are turned into
 * shares before they are summed, so a small source (the UDHR in the Ragileo alphabet) weighs as
 * much as a large one (AVENUE transcripts in the Unificado alphabet) and the profile covers both.
 */
export const trainTrigrams = (files: ReadonlyArray<{ readonly lines: Iterable<string> }>): Array<string> => {
  const shares = new Map<string, number>()
  for (const file of files) {
    const counts = countTrigrams(file.lines)
    let total = 0
    for (const c of counts.values()) total += c
    if (total === 0) continue
    for (const [t, c] of counts) shares.set(t, (shares.get(t) ?? 0) + c / total)
  }
  // Shares are compared after rounding so that float summation order cannot reorder ties.
  const rounded = new Map<string, number>()
  for (const [t, s] of shares) rounded.set(t, Math.round(s * 1e9))
  return rankTrigrams(rounded)
}
