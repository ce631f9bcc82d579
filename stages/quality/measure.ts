/** The measurements behind the quality rules; each is linear in the text and language-neutral. */
export interface QualityMeasures {
  readonly words: number
  readonly meanWordLength: number
  readonly symbolRatio: number
  readonly digitRatio: number
  readonly duplicateLineFraction: number
  readonly topNgramCharFraction: Readonly<Record<number, number>>
  readonly duplicateNgramCharFraction: Readonly<Record<number, number>>
  readonly nonTextLineFraction: number
  readonly shortUnpunctuatedLineFraction: number
  readonly mojibakePerThousand: number
  readonly lines: number
}

// Characters that are neither letters, digits, white space nor the punctuation of running text.
const SYMBOL = /[^\p{L}\p{M}\p{N}\s.,;:!?¿¡'"«»()\[\]\-–—ꞌʻ’‘“”/…%]/gu
const DIGIT = /\p{N}/gu
// UTF-8 read as Latin-1 that repair could not undo: Ã or Â before a continuation character, Ã
// inside a lower-case word (real text only has Ã in capitals), â€, and the replacement character.
const MOJIBAKE = /Ã[\u0080-\u00BF]|Ã(?=[a-z])|Â[\u0080-\u00BF]|â€|\uFFFD/g
// Transcription tags such as <uh>, <*SPA>, <Noise> are annotation, not symbol noise.
const TAG = /<[^<>\s]{1,20}>/g
/** Characters that end a sentence or a quoted one. */
const TERMINAL_CHARS = new Set([...'.!?…:;"»”)]'].map((c) => c.charCodeAt(0)))

/** Repetition statistics need enough words to mean anything; Gopher's rules assume documents. */
export const MIN_WORDS_FOR_REPETITION = 100
/** Character-class ratios need a few characters to mean anything. */
export const MIN_CHARS_FOR_RATIOS = 30

const count = (text: string, re: RegExp) => {
  re.lastIndex = 0
  let n = 0
  while (re.exec(text) !== null) n++
  return n
}

const round = (x: number) => Math.round(x * 10_000) / 10_000

const LETTER_OR_DIGIT = /[\p{L}\p{M}\p{N}]/u
const wordCharCache = new Map<number, boolean>()

/** Letters, marks, digits, apostrophes, saltillo and hyphen, decided by code unit with a fast path for Latin script. */
const isWordChar = (c: number): boolean => {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 39 || c === 45
  if (c >= 0xc0 && c <= 0x24f) return c !== 0xd7 && c !== 0xf7
  if (c === 0xa78c || c === 0x2bb || c === 0x2019) return true
  let known = wordCharCache.get(c)
  if (known === undefined) {
    known = c >= 0xd800 && c <= 0xdfff ? true : LETTER_OR_DIGIT.test(String.fromCharCode(c))
    wordCharCache.set(c, known)
  }
  return known
}

/**
 * Counts 32-bit keys in open addressing over typed arrays. Map<number, number> costs several times
 * more per insert, and the repetition statistics insert every n-gram of every document.
 */
class KeyCounter {
  private readonly keys: Int32Array
  private readonly counts: Int32Array
  // A slot is in use only if it carries the current generation, so a reset costs nothing.
  private readonly generations: Int32Array
  private generation = 1
  private readonly mask: number
  constructor(expected: number) {
    let size = 16
    while (size < expected * 2) size <<= 1
    this.keys = new Int32Array(size)
    this.counts = new Int32Array(size)
    this.generations = new Int32Array(size)
    this.mask = size - 1
  }
  reset() {
    this.generation++
  }
  /** Adds one occurrence of `key` and returns how many there are now. */
  add(key: number): number {
    let slot = (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask
    for (;;) {
      if (this.generations[slot] !== this.generation) {
        this.generations[slot] = this.generation
        this.keys[slot] = key
        this.counts[slot] = 1
        return 1
      }
      if (this.keys[slot] === key) return ++this.counts[slot]!
      slot = (slot + 1) & this.mask
    }
  }
}

const BASE = 0x01000193

/**
 * Gopher-style repetition over word hashes: the share of word characters covered by the most
 * frequent 2-, 3- and 4-gram, and by 5- to 10-grams seen before. N-gram hashes are polynomial
 * rolling hashes (mod 2^32) from prefix sums, so each costs O(1) whatever n is.
 */
const repetition = (hashes: Int32Array, lengths: Int32Array, count: number, totalChars: number) => {
  const prefix = new Int32Array(count + 1)
  for (let i = 0; i < count; i++) prefix[i + 1] = (Math.imul(prefix[i]!, BASE) + hashes[i]!) | 0
  const powers = new Int32Array(11)
  powers[0] = 1
  for (let n = 1; n <= 10; n++) powers[n] = Math.imul(powers[n - 1]!, BASE)
  const charPrefix = new Float64Array(count + 1)
  for (let i = 0; i < count; i++) charPrefix[i + 1] = charPrefix[i]! + lengths[i]!
  const ngram = (i: number, n: number) => ((prefix[i + n]! - Math.imul(prefix[i]!, powers[n]!)) | 0) ^ n
  const counter = new KeyCounter(count)
  const top: Record<number, number> = {}
  for (const n of [2, 3, 4]) {
    counter.reset()
    let best = 0
    let bestAt = 0
    for (let i = 0; i + n <= count; i++) {
      const c = counter.add(ngram(i, n))
      if (c > best) {
        best = c
        bestAt = i
      }
    }
    top[n] = best > 1 ? round((best * (charPrefix[bestAt + n]! - charPrefix[bestAt]!)) / totalChars) : 0
  }
  const duplicate: Record<number, number> = {}
  for (const n of [5, 6, 7, 8, 9, 10]) {
    counter.reset()
    let coveredUntil = 0
    let chars = 0
    for (let i = 0; i + n <= count; i++) {
      if (counter.add(ngram(i, n)) > 1) {
        // Words i..i+n-1 are covered; add only those past what earlier matches covered.
        const from = Math.max(i, coveredUntil)
        chars += charPrefix[i + n]! - charPrefix[from]!
        coveredUntil = i + n
      }
    }
    duplicate[n] = round(chars / totalChars)
  }
  return { top, duplicate }
}

export const measure = (text: string): QualityMeasures => {
  // Lower-casing can change the length of a few characters (İ); positions must match the text's.
  const folded = text.toLowerCase()
  const lower = folded.length === text.length ? folded : text
  const n = lower.length
  // Words as hashes and lengths; state lives in locals (no closures) so that V8 keeps it in registers.
  let hashes = new Int32Array((n >> 2) + 16)
  let lengths = new Int32Array((n >> 2) + 16)
  let words = 0
  let wordChars = 0
  let hash = 0
  let length = 0
  let nonSpace = 0
  let lines = 0
  let lineWords = 0
  let lineChars = 0
  let lineLetters = 0
  let linePipes = 0
  let lineTab = false
  let lineHash = 0
  let firstChar = 0
  let lastChar = 0
  let nonText = 0
  let shortUnpunctuated = 0
  const longLines = new Set<number>()
  let longLineCount = 0
  let duplicateLines = 0
  for (let i = 0; i <= n; i++) {
    const c = i < n ? lower.charCodeAt(i) : 10
    const word = c !== 10 && isWordChar(c)
    if (word) {
      hash = Math.imul(hash ^ c, 0x01000193)
      length++
    } else if (length > 0) {
      if (words === hashes.length) {
        const h = new Int32Array(hashes.length * 2)
        h.set(hashes)
        hashes = h
        const l = new Int32Array(lengths.length * 2)
        l.set(lengths)
        lengths = l
      }
      hashes[words] = hash
      lengths[words] = length
      words++
      wordChars += length
      lineWords++
      hash = 0
      length = 0
    }
    if (c === 10) {
      if (lineChars > 0) {
        lines++
        const markup = (firstChar === 60 && lastChar === 62) || (firstChar === 91 && lastChar === 93) || (firstChar === 123 && lastChar === 125)
        if (lineLetters < lineChars * 0.5 || linePipes >= 2 || lineTab || markup) nonText++
        if (lineWords <= 3 && !TERMINAL_CHARS.has(lastChar)) shortUnpunctuated++
        // Only lines of 4 words and more count as repeated: transcripts repeat "May." and "Fey." by nature.
        if (lineWords >= 4) {
          longLineCount++
          if (longLines.has(lineHash)) duplicateLines++
          else longLines.add(lineHash)
        }
      }
      lineWords = 0
      lineChars = 0
      lineLetters = 0
      linePipes = 0
      lineTab = false
      lineHash = 0
      firstChar = 0
      continue
    }
    if (c === 32 || c === 9 || c === 13 || c === 0xa0) {
      if (c === 9) lineTab = true
      continue
    }
    const raw = text.charCodeAt(i)
    nonSpace++
    lineChars++
    lineHash = Math.imul(lineHash ^ raw, 0x01000193)
    if (firstChar === 0) firstChar = raw
    lastChar = raw
    if (word) {
      if (!(c >= 48 && c <= 57) && c !== 39 && c !== 45) lineLetters++
    } else if (c === 124) linePipes++
  }
  const untagged = text.replace(TAG, " ")
  // Tags hold no white space, so removing them removes exactly their characters.
  let tagChars = 0
  for (const tag of text.match(TAG) ?? []) tagChars += tag.length
  const nonSpaceUntagged = nonSpace - tagChars
  const { top, duplicate } =
    words >= MIN_WORDS_FOR_REPETITION ? repetition(hashes, lengths, words, wordChars || 1) : { top: {}, duplicate: {} }
  return {
    words,
    meanWordLength: round(words ? wordChars / words : 0),
    symbolRatio: nonSpaceUntagged < MIN_CHARS_FOR_RATIOS ? 0 : round(count(untagged, SYMBOL) / nonSpaceUntagged),
    digitRatio: nonSpace < MIN_CHARS_FOR_RATIOS ? 0 : round(count(text, DIGIT) / nonSpace),
    duplicateLineFraction: round(longLineCount ? duplicateLines / longLineCount : 0),
    topNgramCharFraction: top,
    duplicateNgramCharFraction: duplicate,
    nonTextLineFraction: round(lines ? nonText / lines : 0),
    shortUnpunctuatedLineFraction: round(lines >= 5 ? shortUnpunctuated / lines : 0),
    mojibakePerThousand: round((count(text, MOJIBAKE) * 1000) / (text.length || 1)),
    lines
  }
}
