/**
 * The strong normalisation behind dedup keys, never applied to stored text: case, apostrophe and
 * glottal-stop variants (ꞌ ʻ ' ’ ‘ ʼ), Rapa Nui ŋ/ng, long-vowel macrons, punctuation and white space
 * are folded, so copies that differ only in typing conventions share a key.
 */
const GLOTTAL_AND_APOSTROPHES = /[\u0027\u2018\u2019\u02BC\u02BB\uA78C\uA78B\u0060\u00B4\u02C8\u02CC]/g
const MACRON = /\u0304/g
const NOT_WORD = /[^\p{L}\p{N}]+/gu

export const dedupKeyText = (text: string): string =>
  text
    .normalize("NFKD")
    .replace(MACRON, "")
    .normalize("NFC")
    .toLowerCase()
    .replace(/ŋ/g, "ng")
    .replace(GLOTTAL_AND_APOSTROPHES, "")
    .replace(NOT_WORD, " ")
    .trim()
