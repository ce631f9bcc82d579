import iconv from "iconv-lite"

export type TextEncoding = "utf-8" | "utf-8-bom" | "utf-16le" | "utf-16be" | "windows-1252"

export type DecodeResult =
  | { readonly _tag: "Decoded"; readonly text: string; readonly encoding: TextEncoding }
  | { readonly _tag: "InvalidUtf8"; readonly invalidSequences: number; readonly firstOffset: number }

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const cp1252 = new TextDecoder("windows-1252")

/**
 * Counts well-formed multi-byte UTF-8 sequences and malformed bytes. Decoding is left to
 * TextDecoder; this scan exists because the choice a partner's file needs is narrower than what a
 * general detector answers: it is UTF-8, UTF-8 with damage (to be reported with the offset of the
 * first bad byte), or a single-byte Western code page, which is what Latin American archives use.
 */
const scanUtf8 = (bytes: Uint8Array): { multiByte: number; invalid: number; firstInvalid: number } => {
  let multiByte = 0
  let invalid = 0
  let firstInvalid = -1
  let i = 0
  const n = bytes.length
  while (i < n) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    let ok = need > 0 && i + need < n
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const c = bytes[i + k]
        if (c === undefined || (c & 0xc0) !== 0x80) {
          ok = false
          break
        }
      }
    }
    if (ok) {
      multiByte++
      i += need + 1
    } else {
      if (firstInvalid < 0) firstInvalid = i
      invalid++
      i++
    }
  }
  return { multiByte, invalid, firstInvalid }
}

/** Two-byte text without a BOM shows itself by NULs in every other byte. */
const utf16WithoutBom = (bytes: Uint8Array): "utf-16le" | "utf-16be" | undefined => {
  const sample = Math.min(bytes.length - (bytes.length % 2), 4096)
  if (sample < 8) return undefined
  let evenZero = 0
  let oddZero = 0
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) evenZero++
    if (bytes[i + 1] === 0) oddZero++
  }
  const pairs = sample / 2
  if (oddZero > pairs * 0.3 && evenZero < pairs * 0.05) return "utf-16le"
  if (evenZero > pairs * 0.3 && oddZero < pairs * 0.05) return "utf-16be"
  return undefined
}

export const decodeText = (bytes: Uint8Array): DecodeResult => {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    const body = bytes.subarray(3)
    const scan = scanUtf8(body)
    if (scan.invalid > 0) return { _tag: "InvalidUtf8", invalidSequences: scan.invalid, firstOffset: scan.firstInvalid + 3 }
    return { _tag: "Decoded", text: utf8.decode(body), encoding: "utf-8-bom" }
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { _tag: "Decoded", text: new TextDecoder("utf-16le").decode(bytes.subarray(2)), encoding: "utf-16le" }
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { _tag: "Decoded", text: new TextDecoder("utf-16be").decode(bytes.subarray(2)), encoding: "utf-16be" }
  }
  const wide = utf16WithoutBom(bytes)
  if (wide) return { _tag: "Decoded", text: new TextDecoder(wide).decode(bytes), encoding: wide }
  const scan = scanUtf8(bytes)
  if (scan.invalid === 0) return { _tag: "Decoded", text: utf8.decode(bytes), encoding: "utf-8" }
  // Real UTF-8 with a few damaged bytes: decoding it as Latin-1 would turn every accent into
  // mojibake, so it is reported instead. A single-byte file has few or no valid sequences.
  if (scan.multiByte >= 2 && scan.multiByte >= scan.invalid) {
    return { _tag: "InvalidUtf8", invalidSequences: scan.invalid, firstOffset: scan.firstInvalid }
  }
  return { _tag: "Decoded", text: cp1252.decode(bytes), encoding: "windows-1252" }
}

/** Strict UTF-8 (JSON lines must be UTF-8); `undefined` when the bytes are not. */
export const decodeUtf8Strict = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

// Characters that Windows-1252 gives to the bytes 0x80–0xBF, i.e. what UTF-8 continuation bytes
// turn into when UTF-8 text is read as Latin-1/1252.
const continuation = "\\u0080-\\u00BF\\u0152\\u0153\\u0160\\u0161\\u0178\\u017D\\u017E\\u0192\\u02C6\\u02DC\\u2013\\u2014\\u2018-\\u201E\\u2020-\\u2022\\u2026\\u2030\\u2039\\u203A\\u20AC\\u2122"
const mojibakeRun = new RegExp(
  `(?:[\\u00C2-\\u00DF][${continuation}]|[\\u00E0-\\u00EF][${continuation}]{2}|[\\u00F0-\\u00F4][${continuation}]{3})+`,
  "g"
)

/**
 * Repairs UTF-8 that was once decoded as Windows-1252 (`Ã©` for `é`, `â€œ` for `“`): each suspect
 * run is turned back into bytes and kept only if those bytes are valid UTF-8. Returns the number of
 * runs repaired.
 */
export const repairMojibake = (text: string): { text: string; repaired: number } => {
  let repaired = 0
  const fixed = text.replace(mojibakeRun, (run) => {
    // Bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) decode to the same code
    // point, so they go back as themselves; iconv-lite maps the rest.
    const bytes = Buffer.from(Array.from(run, (ch) => {
      const code = ch.codePointAt(0)!
      return code <= 0xff ? code : iconv.encode(ch, "win1252")[0]!
    }))
    const decoded = decodeUtf8Strict(bytes)
    if (decoded === undefined || decoded.includes("\uFFFD")) return run
    repaired++
    return decoded
  })
  return { text: fixed, repaired }
}
