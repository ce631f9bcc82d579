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

const WORD_CHAR = 1
const DIGIT_CHAR = 2
const SPACE_CHAR = 4
const SYMBOL_CHAR = 8
const LETTER_OR_DIGIT = /[\p{L}\p{M}\p{N}]/u
const DIGIT_TEST = /\p{N}/u
const SPACE_TEST = /\s/u
// Neither letters, digits, white space nor the punctuation of running text.
const SYMBOL_TEST = /[^\p{L}\p{M}\p{N}\s.,;:!?¿¡'"«»()\[\]\-–—ꞌʻ’‘“”/…%]/u
// Each UTF-16 code unit's class, filled in the first time it is seen: one array read a character
// instead of three Unicode-property regular expressions. Surrogates (emoji and the like) are symbols.
const classes = new Uint8Array(65536)
const WORD_EXTRA = new Set([0x27, 0x2d, 0xa78c, 0x2bb, 0x2019])
const classOf = (c: number): number => {
  let k = classes[c]!
  if (k !== 0) return k - 1
  if (c >= 0xd800 && c <= 0xdfff) k = SYMBOL_CHAR
  else {
    const ch = String.fromCharCode(c)
    if (LETTER_OR_DIGIT.test(ch) || WORD_EXTRA.has(c)) k |= WORD_CHAR
    if (DIGIT_TEST.test(ch)) k |= DIGIT_CHAR
    if (SPACE_TEST.test(ch)) k |= SPACE_CHAR
    if (SYMBOL_TEST.test(ch)) k |= SYMBOL_CHAR
  }
  classes[c] = k + 1
  return k
}

/**
 * Counts 32-bit keys in open addressing over typed arrays. Map<number, number> costs several times
 * more per insert, and the repetition statistics insert every n-gram of every document.
 */
class KeyCounter {
  // Slots of three ints side by side (generation, key, count), so that a probe reads one cache line.
  // A slot is in use only if it carries the current generation, so a reset costs nothing.
  private readonly slots: Int32Array
  private generation = 1
  private readonly mask: number
  constructor(expected: number) {
    let size = 16
    while (size < expected * 2) size <<= 1
    this.slots = new Int32Array(size * 3)
    this.mask = size - 1
  }
  reset() {
    this.generation++
  }
  /** Adds one occurrence of `key` and returns how many there are now. */
  add(key: number): number {
    const slots = this.slots
    let slot = (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask
    for (;;) {
      const at = slot * 3
      if (slots[at] !== this.generation) {
        slots[at] = this.generation
        slots[at + 1] = key
        slots[at + 2] = 1
        return 1
      }
      if (slots[at + 1] === key) return ++slots[at + 2]!
      slot = (slot + 1) & this.mask
    }
  }
}

const BASE = 0x01000193
export const DUPLICATE_NGRAM_SIZES = [5, 10] as const

// Typed arrays are costly to allocate; these are reused across documents and grown when needed.
let scratchInts = new Int32Array(1 << 16)
let scratchFloats = new Float64Array(1 << 14)
const ints = (size: number) => {
  if (scratchInts.length < size) scratchInts = new Int32Array(size * 2)
  return scratchInts
}
const floats = (size: number) => {
  if (scratchFloats.length < size) scratchFloats = new Float64Array(size * 2)
  return scratchFloats
}

let scratchCounter = new KeyCounter(4096)
let scratchCapacity = 4096
/** One counter reused across documents (grown when a longer one comes), since each is used once at a time. */
const counterFor = (count: number) => {
  if (count > scratchCapacity) {
    scratchCapacity = count
    scratchCounter = new KeyCounter(count)
  }
  scratchCounter.reset()
  return scratchCounter
}

/**
 * Gopher-style repetition over word hashes: the share of word characters covered by the most
 * frequent 2-, 3- and 4-gram, and by 5- and 10-grams seen before. N-gram hashes are polynomial
 * rolling hashes (mod 2^32) from prefix sums, so each costs O(1) whatever n is.
 */
const repetition = (hashes: Int32Array, lengths: Int32Array, count: number, totalChars: number, thresholds: RepetitionThresholds) => {
  const prefix = ints(count + 1)
  prefix[0] = 0
  for (let i = 0; i < count; i++) prefix[i + 1] = (Math.imul(prefix[i]!, BASE) + hashes[i]!) | 0
  const powers = new Int32Array(11)
  powers[0] = 1
  for (let n = 1; n <= 10; n++) powers[n] = Math.imul(powers[n - 1]!, BASE)
  const charPrefix = floats(count + 1)
  charPrefix[0] = 0
  for (let i = 0; i < count; i++) charPrefix[i + 1] = charPrefix[i]! + lengths[i]!
  const ngram = (i: number, n: number) => ((prefix[i + n]! - Math.imul(prefix[i]!, powers[n]!)) | 0) ^ n
  const counter = counterFor(count)
  const top: Record<number, number> = {}
  let previousBest = Number.POSITIVE_INFINITY
  for (const n of [2, 3, 4]) {
    // An n-gram occurs at most as often as the most frequent (n-1)-gram (its own first n-1 words
    // occur wherever it does) and spans at most the longest run of n words: when that bound is
    // already under the threshold, the pass is skipped and the bound reported.
    const threshold = thresholds.top[n]
    if (threshold !== undefined && previousBest !== Number.POSITIVE_INFINITY) {
      let longest = 0
      for (let i = 0; i + n <= count; i++) longest = Math.max(longest, charPrefix[i + n]! - charPrefix[i]!)
      const bound = previousBest > 1 ? (previousBest * longest) / totalChars : 0
      if (bound <= threshold) {
        top[n] = round(bound)
        continue
      }
    }
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
    previousBest = best
  }
  const duplicate: Record<number, number> = {}
  // Gopher looks at every n from 5 to 10; 5 and 10 bound the others and cost a third of the time.
  for (const n of DUPLICATE_NGRAM_SIZES) {
    // Every word inside a repeated 10-gram is inside a repeated 5-gram, so the 5-gram share bounds
    // the 10-gram share; when that bound is already under the threshold, the longer pass is skipped
    // and the bound is reported.
    const shorter = duplicate[DUPLICATE_NGRAM_SIZES[0]]
    const threshold = thresholds.duplicate[n]
    if (shorter !== undefined && threshold !== undefined && shorter <= threshold) {
      duplicate[n] = shorter
      continue
    }
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

let wordHashes = new Int32Array(1 << 16)
let wordLengths = new Int32Array(1 << 16)

export interface RepetitionThresholds {
  readonly top: Readonly<Record<string, number>>
  readonly duplicate: Readonly<Record<string, number>>
}

export interface MeasureOptions {
  /**
   * The thresholds the measures will be compared with. Where an exact upper bound shows a
   * threshold cannot be passed, the costly pass is skipped and the bound is reported instead.
   */
  readonly repetitionThresholds?: RepetitionThresholds
}

export const measure = (text: string, options: MeasureOptions = {}): QualityMeasures => {
  // Lower-casing can change the length of a few characters (İ); positions must match the text's.
  const folded = text.toLowerCase()
  const lower = folded.length === text.length ? folded : text
  const n = lower.length
  // Words as hashes and lengths; state lives in locals (no closures) so that V8 keeps it in registers.
  // Word hashes and lengths, reused across documents (each document is measured to the end first).
  if (wordHashes.length < (n >> 1) + 16) {
    wordHashes = new Int32Array((n >> 1) + 16)
    wordLengths = new Int32Array((n >> 1) + 16)
  }
  let hashes = wordHashes
  let lengths = wordLengths
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
  let digits = 0
  let symbols = 0
  let tagStart = -1
  let tagChars = 0
  for (let i = 0; i <= n; i++) {
    const c = i < n ? lower.charCodeAt(i) : 10
    let k = classes[c]! - 1
    if (k < 0) k = classOf(c)
    const word = (k & WORD_CHAR) !== 0
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
      // A line is identified by its words (not its punctuation), hashed as they end.
      lineHash = Math.imul(lineHash ^ hash, 0x01000193)
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
    if ((k & SPACE_CHAR) !== 0) {
      if (c === 9) lineTab = true
      tagStart = -1
      continue
    }
    nonSpace++
    if ((k & DIGIT_CHAR) !== 0) digits++
    // Transcription tags such as <uh>, <*SPA>, <Noise> are annotation: their characters are not symbols.
    if (c === 60) tagStart = i
    else if (c === 62 && tagStart >= 0 && i - tagStart <= 21) {
      tagChars += i - tagStart + 1
      tagStart = -1
    }
    if ((k & SYMBOL_CHAR) !== 0) symbols++
    lineChars++
    if (firstChar === 0) firstChar = c
    lastChar = c
    if (word) {
      if ((k & DIGIT_CHAR) === 0 && c !== 39 && c !== 45) lineLetters++
    } else if (c === 124) linePipes++
  }
  // Symbols inside tags were counted above; a tag's < and > are symbols, its inside mostly letters.
  const tagSymbols = tagChars > 0 ? count(text.match(TAG)?.join("") ?? "", SYMBOL) : 0
  const nonSpaceUntagged = nonSpace - tagChars
  const { top, duplicate } =
    words >= MIN_WORDS_FOR_REPETITION ? repetition(hashes, lengths, words, wordChars || 1, options.repetitionThresholds ?? { top: {}, duplicate: {} }) : { top: {}, duplicate: {} }
  return {
    words,
    meanWordLength: round(words ? wordChars / words : 0),
    symbolRatio: nonSpaceUntagged < MIN_CHARS_FOR_RATIOS ? 0 : round(Math.max(0, symbols - tagSymbols) / nonSpaceUntagged),
    digitRatio: nonSpace < MIN_CHARS_FOR_RATIOS ? 0 : round(digits / nonSpace),
    duplicateLineFraction: round(longLineCount ? duplicateLines / longLineCount : 0),
    topNgramCharFraction: top,
    duplicateNgramCharFraction: duplicate,
    nonTextLineFraction: round(lines ? nonText / lines : 0),
    shortUnpunctuatedLineFraction: round(lines >= 5 ? shortUnpunctuated / lines : 0),
    mojibakePerThousand: round((count(text, MOJIBAKE) * 1000) / (text.length || 1)),
    lines
  }
}
