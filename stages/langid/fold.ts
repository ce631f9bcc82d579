/**
 * Orthography folding for language identification only (the stored text is never folded).
 *
 * Partners type the same language in several ways: Rapa Nui with the saltillo ꞌ or ' ʻ ’ ‘, with ŋ
 * or ng or g, with or without long-vowel macrons; Mapudungun in the Alfabeto Unificado (ü, ng, tr)
 * or Azümchefe (tx) or Ragileo (v, g, x). Each fold maps variants to one form so that one profile
 * covers them. Folds were chosen so that they merge no distinction the candidate languages rely on;
 * the Ragileo consonant letters (x, c, j, z, q) are not folded into the Unificado digraphs because
 * in Spanish and Portuguese the same letters carry other sounds: the Mapudungun profile is trained
 * on both alphabets instead.
 */
export const SALTILLO = "\uA78C"

/** Every fold, by what it replaces; applied in one pass. */
const FOLDS: Record<string, string> = {
  // Saltillo, ʻokina and apostrophe variants.
  "\u0027": SALTILLO, "\u0060": SALTILLO, "\u00B4": SALTILLO, "\u02BB": SALTILLO, "\u02BC": SALTILLO, "\u02BD": SALTILLO,
  "\u2018": SALTILLO, "\u2019": SALTILLO, "\uA78B": SALTILLO, "\uA78C": SALTILLO,
  // IPA stress marks used in grammars (Kieviet writes ˈ and ˌ in some examples).
  "\u02C8": "", "\u02CC": "",
  // Long-vowel macrons, precomposed or combining.
  "ā": "a", "ē": "e", "ī": "i", "ō": "o", "ū": "u", "ȳ": "y", "\u0304": "",
  // ŋ, ng and g are one sound in Rapa Nui typing, and ng (Unificado) is g in Ragileo and Azümchefe.
  "ŋ": "g", "ng": "g",
  // Unificado ü is Ragileo v; Azümchefe tx is Unificado tr.
  "ü": "v", "tx": "tr"
}
const FOLDABLE = /[\u0027\u0060\u00B4\u02BB\u02BC\u02BD\u2018\u2019\uA78B\uA78C\u02C8\u02CC\u0304āēīōūȳŋü]|ng|tx/g

export const foldOrthography = (text: string): string => text.toLowerCase().replace(FOLDABLE, (m) => FOLDS[m]!)

/**
 * Folded text reduced to words: every run of characters that are not letters (digits, punctuation,
 * symbols, white space) becomes one space, with one space on each side, as franc pads its input.
 */
export const scoringText = (text: string): string => ` ${foldOrthography(text).replace(/[^\p{L}\p{M}]+/gu, " ").trim()} `
