import { createHash } from "node:crypto"

/**
 * The strong normalisation behind dedup keys, never applied to stored text: case, apostrophe and
 * glottal-stop variants (ꞌ ʻ ' ’ ‘ ʼ), Rapa Nui ŋ/ng/g, long-vowel macrons and accents, the Mapudungun alphabets
 * (Unificado, Ragileo, Azümchefe), punctuation and white space are folded, so copies that differ
 * only in typing conventions share a key. Words are the runs of letters, marks and digits between
 * the separators this leaves, which is how the near-duplicate shingles split them.
 *
 * Written as one pass over the text with a per-code-unit table rather than a chain of
 * normalize() and Unicode-property replace() calls: it runs on every document and was the
 * slowest part of normalize.
 */
const DROP = 0
const KEEP = 1
const SEPARATE = 2
const MAPPED = 3

const table = new Uint8Array(65536)
const mapped = new Map<number, string>([
  [0x101, "a"], [0x113, "e"], [0x12b, "i"], [0x14d, "o"], [0x16b, "u"],
  [0x100, "a"], [0x112, "e"], [0x12a, "i"], [0x14c, "o"], [0x16a, "u"],
  [0x14b, "g"], [0x14a, "g"], [0xfc, "v"],
  // Accents come and go with the typist (and the OCR): á and a are one letter for dedup.
  ...[..."àáâãä"].map((ch): [number, string] => [ch.charCodeAt(0), "a"]),
  ...[..."èéêë"].map((ch): [number, string] => [ch.charCodeAt(0), "e"]),
  ...[..."ìíîï"].map((ch): [number, string] => [ch.charCodeAt(0), "i"]),
  ...[..."òóôõö"].map((ch): [number, string] => [ch.charCodeAt(0), "o"]),
  ...[..."ùúû"].map((ch): [number, string] => [ch.charCodeAt(0), "u"]),
  [0xe7, "c"]
])
// Apostrophes, saltillo, ʻokina and the stress marks of linguistic transcriptions vanish; the
// combining macron too (long vowels typed with it).
const dropped = new Set([0x27, 0x2018, 0x2019, 0x2bc, 0x2bb, 0xa78c, 0xa78b, 0x60, 0xb4, 0x2c8, 0x2cc, 0x304])
const WORDLIKE = /[\p{L}\p{N}\p{M}]/u

const classOf = (c: number): number => {
  const k = table[c]!
  if (k !== 0) return k - 1
  let kind: number
  if (dropped.has(c)) kind = DROP
  else if (mapped.has(c)) kind = MAPPED
  else if (c >= 0xd800 && c <= 0xdfff) kind = KEEP
  else kind = WORDLIKE.test(String.fromCharCode(c)) ? KEEP : SEPARATE
  table[c] = kind + 1
  return kind
}

let scratch = new Uint16Array(1 << 16)

/** The folded text as UTF-16 code units, in a buffer reused across calls (copy it to keep it). */
const foldedUnits = (text: string): Uint16Array => {
  const lower = text.toLowerCase()
  if (scratch.length < lower.length * 2 + 2) scratch = new Uint16Array(lower.length * 2 + 2)
  const out = scratch
  let n = 0
  let pendingSpace = false
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i)
    const kind = classOf(c)
    if (kind === DROP) continue
    if (kind === SEPARATE) {
      pendingSpace = n > 0
      continue
    }
    if (pendingSpace) {
      out[n++] = 32
      pendingSpace = false
    }
    if (kind === KEEP) out[n++] = c
    else for (const m of mapped.get(c)!) out[n++] = m.charCodeAt(0)
  }
  return out.subarray(0, foldAlphabets(out, n))
}

const c = (s: string) => s.charCodeAt(0)
const [A_C, A_D, A_G, A_H, A_J, A_L, A_N, A_Q, A_R, A_T, A_X, A_Z] = [..."cdghjlnqrtxz"].map(c) as [number, number, number, number, number, number, number, number, number, number, number, number]

/**
 * Mapudungun's alphabets write one sound with different letters: Unificado ch ll tr ng g d ü are
 * Ragileo c j x g q z v, and Azümchefe writes tr as tx. Rapa Nui ŋ is typed ng or g. All of them are
 * folded to one letter each, in place (the result is never longer). The folds apply to every
 * language; they merge spellings, never words that differ in anything else, so two different
 * Spanish or Portuguese texts stay different.
 */
const foldAlphabets = (units: Uint16Array, length: number): number => {
  let n = 0
  for (let i = 0; i < length; i++) {
    const u = units[i]!
    const next = i + 1 < length ? units[i + 1]! : 0
    let folded = u
    let pair = true
    if (u === A_N && next === A_G) folded = A_G
    else if (u === A_C && next === A_H) folded = A_C
    else if (u === A_L && next === A_L) folded = A_J
    else if (u === A_T && (next === A_R || next === A_X)) folded = A_X
    else {
      pair = false
      if (u === A_Q) folded = A_G
      else if (u === A_D) folded = A_Z
    }
    units[n++] = folded
    if (pair) i++
  }
  return n
}

const utf16 = new TextDecoder("utf-16le")

export const dedupKeyText = (text: string): string => utf16.decode(foldedUnits(text))

/** The dedup key's folded code units, for shingling; the buffer is reused by the next call. */
export const dedupKeyUnits = (text: string): Uint16Array => foldedUnits(text)

/** The dedup key: SHA-256 of the folded text's UTF-16LE code units (from `dedupKeyUnits`). */
export const dedupKeyHashOfUnits = (units: Uint16Array): string => {
  return createHash("sha256").update(new Uint8Array(units.buffer, units.byteOffset, units.byteLength)).digest("hex")
}
