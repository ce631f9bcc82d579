import { createHash } from "node:crypto"

/**
 * The strong normalisation behind dedup keys, never applied to stored text: case, apostrophe and
 * glottal-stop variants (ꞌ ʻ ' ’ ‘ ʼ), Rapa Nui ŋ/ng, long-vowel macrons, punctuation and white space
 * are folded, so copies that differ only in typing conventions share a key.
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
  [0x14b, "ng"], [0x14a, "ng"]
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
  return out.subarray(0, n)
}

const utf16 = new TextDecoder("utf-16le")

export const dedupKeyText = (text: string): string => utf16.decode(foldedUnits(text))

/** SHA-256 of the folded text (its UTF-16LE code units): the dedup key. */
export const dedupKeyHash = (text: string): string => {
  const units = foldedUnits(text)
  return createHash("sha256").update(new Uint8Array(units.buffer, units.byteOffset, units.byteLength)).digest("hex")
}
