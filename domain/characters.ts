/**
 * Characters that have no place in a name or an identifier: control characters (NUL, escape, line
 * breaks), format characters (bidi overrides and isolates that make a name read differently from
 * what it is, zero-width characters that make two names look alike, U+FEFF) and lone surrogates,
 * which no UTF-8 file system or JSON writer can carry.
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}]/u

const NAMES: Record<number, string> = {
  0x00: "NUL",
  0x09: "CHARACTER TABULATION",
  0x0a: "LINE FEED",
  0x0d: "CARRIAGE RETURN",
  0x1b: "ESCAPE",
  0x7f: "DELETE",
  0xad: "SOFT HYPHEN",
  0x200b: "ZERO WIDTH SPACE",
  0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER",
  0x200e: "LEFT-TO-RIGHT MARK",
  0x200f: "RIGHT-TO-LEFT MARK",
  0x202a: "LEFT-TO-RIGHT EMBEDDING",
  0x202b: "RIGHT-TO-LEFT EMBEDDING",
  0x202c: "POP DIRECTIONAL FORMATTING",
  0x202d: "LEFT-TO-RIGHT OVERRIDE",
  0x202e: "RIGHT-TO-LEFT OVERRIDE",
  0x2060: "WORD JOINER",
  0x2066: "LEFT-TO-RIGHT ISOLATE",
  0x2067: "RIGHT-TO-LEFT ISOLATE",
  0x2068: "FIRST STRONG ISOLATE",
  0x2069: "POP DIRECTIONAL ISOLATE",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE (byte order mark)"
}

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`

const kindOf = (cp: number) => (cp >= 0xd800 && cp <= 0xdfff ? "a lone surrogate" : /\p{Cc}/u.test(String.fromCodePoint(cp)) ? "a control character" : "a format character")

/** `U+202E RIGHT-TO-LEFT OVERRIDE`, or `U+0001 (a control character)` for one without a common name. */
export const describeCodePoint = (cp: number) => (NAMES[cp] ? `${hex(cp)} ${NAMES[cp]}` : `${hex(cp)} (${kindOf(cp)})`)

/** The first forbidden character of `text`, described with its position (1-based, in characters), or undefined. */
export const forbiddenCharacter = (text: string): string | undefined => {
  const m = FORBIDDEN.exec(text)
  if (!m) return undefined
  return `${describeCodePoint(m[0].codePointAt(0)!)} at character ${[...text.slice(0, m.index)].length + 1}`
}

/** `text` with every forbidden character written as `\u{…}`, safe to print in a terminal. */
export const printable = (text: string) => text.replace(new RegExp(FORBIDDEN.source, "gu"), (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`)

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, surrogates or code points past U+10FFFF), 0 if there is none. */
const sequenceAt = (bytes: Uint8Array, i: number): number => {
  const b0 = bytes[i]!
  if (b0 < 0x80) return 1
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf]
    return cont(1, lo, hi) && cont(2) ? 3 : 0
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf]
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0
  }
  return 0
}

/** Offset of the first byte that is not part of well-formed UTF-8, or -1 when all of `bytes` is. */
export const firstInvalidUtf8Byte = (bytes: Uint8Array): number => {
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceAt(bytes, i)
    if (n === 0) return i
    i += n
  }
  return -1
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * A name as raw bytes, printable: its UTF-8 parts as text, each byte that is not UTF-8 as `\xFF`,
 * forbidden characters as `\u{…}`. For naming a file whose name the file system gives as bytes.
 */
export const printableBytes = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceAt(bytes, i)
    if (n === 0) {
      out += `\\x${bytes[i]!.toString(16).toUpperCase().padStart(2, "0")}`
      i++
    } else {
      out += printable(utf8.decode(bytes.subarray(i, i + n)))
      i += n
    }
  }
  return out
}
