import { dedupKeyUnits } from "./dedup-key.ts"

/** MinHash and LSH banding parameters (datatrove's and FineWeb's defaults: 5-word shingles, 14 × 8). */
export interface MinHashParams {
  readonly shingleWords: number
  readonly bands: number
  readonly rows: number
  readonly seed: number
}

export const defaultMinHashParams: MinHashParams = { shingleWords: 5, bands: 14, rows: 8, seed: 1 }

/** A document's shingles as sorted, distinct 32-bit hashes; empty when it has fewer words than a shingle. */
export type ShingleSet = Uint32Array

const SPACE = 32

/** murmur3's 32-bit finaliser: every input bit moves every output bit. */
const mix32 = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * Scripts written without spaces between words. The dedup key separates words wherever Unicode
 * says a character is neither letter, mark nor digit, which is word segmentation for Latin-script
 * Spanish, Portuguese, Mapudungun and Rapa Nui (saltillo and apostrophes are folded out, so
 * `haꞌaŋa` stays one word). Only runs in these scripts need a dictionary segmenter.
 */
const needsDictionary = (u: number) =>
  (u >= 0x0e00 && u <= 0x0eff) || (u >= 0x1000 && u <= 0x109f) || (u >= 0x1780 && u <= 0x17ff) || (u >= 0x3040 && u <= 0x30ff) || (u >= 0x3400 && u <= 0x9fff) || (u >= 0xf900 && u <= 0xfaff)

let dictionarySegmenter: Intl.Segmenter | undefined

let wordBuffer = new Int32Array(1 << 14)
let wordCount = 0
const pushWord = (h: number) => {
  if (wordCount === wordBuffer.length) {
    const grown = new Int32Array(wordBuffer.length * 2)
    grown.set(wordBuffer)
    wordBuffer = grown
  }
  wordBuffer[wordCount++] = h
}

const pushDictionaryWords = (units: Uint16Array, start: number, end: number) => {
  dictionarySegmenter ??= new Intl.Segmenter("und", { granularity: "word" })
  const run = String.fromCharCode(...units.subarray(start, end))
  for (const s of dictionarySegmenter.segment(run)) {
    if (!s.isWordLike) continue
    let h = 0x811c9dc5
    for (let i = 0; i < s.segment.length; i++) h = Math.imul(h ^ s.segment.charCodeAt(i), 0x01000193)
    pushWord(mix32(h))
  }
}

/**
 * One hash per word of the folded text, into a buffer reused across calls. Intl.Segmenter's word
 * mode was measured at 1.3 MB/s here, fifteen times too slow for the signature target, so words
 * are read straight off the key's code units, and Intl.Segmenter is kept for the scripts that
 * need its dictionaries.
 */
const wordHashes = (units: Uint16Array): number => {
  wordCount = 0
  let h = 0x811c9dc5
  let start = 0
  let dictionary = false
  for (let i = 0; i <= units.length; i++) {
    const u = i < units.length ? units[i]! : SPACE
    if (u === SPACE) {
      if (i > start) {
        if (dictionary) pushDictionaryWords(units, start, i)
        else pushWord(mix32(h))
      }
      h = 0x811c9dc5
      start = i + 1
      dictionary = false
      continue
    }
    if (u >= 0x0e00 && needsDictionary(u)) dictionary = true
    h = Math.imul(h ^ u, 0x01000193)
  }
  return wordCount
}

/** The distinct shingles (runs of `shingleWords` words) of a text's dedup key. */
export const shingles = (text: string, params: MinHashParams = defaultMinHashParams): ShingleSet => shinglesOfKey(dedupKeyUnits(text), params)

/** The distinct shingles of an already folded dedup key, so that a text is folded once for its key and its shingles. */
export const shinglesOfKey = (units: Uint16Array, params: MinHashParams = defaultMinHashParams): ShingleSet => {
  const wordTotal = wordHashes(units)
  const words = wordBuffer
  const k = params.shingleWords
  const count = wordTotal - k + 1
  if (count <= 0) return new Uint32Array(0)
  const out = new Uint32Array(count)
  for (let i = 0; i < count; i++) {
    let h = params.seed
    for (let j = 0; j < k; j++) h = Math.imul(((h << 5) | (h >>> 27)) ^ words[i + j]!, 0x9e3779b1)
    out[i] = mix32(h)
  }
  out.sort()
  let n = 0
  for (let i = 0; i < count; i++) if (i === 0 || out[i] !== out[n - 1]) out[n++] = out[i]!
  return out.subarray(0, n)
}

const seedsFor = (params: MinHashParams): Int32Array => {
  const seeds = new Int32Array(params.bands * params.rows)
  let s = mix32(params.seed ^ 0x5bd1e995)
  for (let i = 0; i < seeds.length; i++) {
    s = mix32(s + 0x9e3779b9)
    seeds[i] = s
  }
  return seeds
}

const seedCache = new Map<string, Int32Array>()
const seedsOf = (params: MinHashParams) => {
  const key = `${params.bands}x${params.rows}:${params.seed}`
  let seeds = seedCache.get(key)
  if (!seeds) seedCache.set(key, (seeds = seedsFor(params)))
  return seeds
}

/**
 * The MinHash signature: for each of bands × rows hash functions, the least hash over the shingles.
 * Shingle hashes are already well mixed, so hash function i is one xor with its own seed, one
 * multiply and one shift: 32-bit arithmetic with no BigInt, the inner loop of the whole stage.
 * Measured on 1,547 pairs of real text against exact Jaccard: no bias (mean error < 0.001) and
 * the spread MinHash theory gives for 112 functions (sd 0.039), the same as a full murmur3 mix.
 */
export const signature = (set: ShingleSet, params: MinHashParams = defaultMinHashParams): Int32Array => {
  const seeds = seedsOf(params)
  const sig = new Int32Array(seeds.length)
  // Signed 32-bit throughout keeps V8 on small integers; a minimum over signed values is as good a
  // MinHash as one over unsigned values (another order of the same permutation). Four functions
  // per pass over the shingles keep four minima in registers: twice as fast as one at a time.
  const values = new Int32Array(set.buffer, set.byteOffset, set.length)
  let i = 0
  for (; i + 4 <= seeds.length; i += 4) {
    const s0 = seeds[i]!
    const s1 = seeds[i + 1]!
    const s2 = seeds[i + 2]!
    const s3 = seeds[i + 3]!
    let m0 = 0x7fffffff
    let m1 = 0x7fffffff
    let m2 = 0x7fffffff
    let m3 = 0x7fffffff
    for (let s = 0; s < values.length; s++) {
      const v = values[s]!
      let h0 = Math.imul(v ^ s0, 0x9e3779b1)
      h0 ^= h0 >>> 16
      if (h0 < m0) m0 = h0
      let h1 = Math.imul(v ^ s1, 0x9e3779b1)
      h1 ^= h1 >>> 16
      if (h1 < m1) m1 = h1
      let h2 = Math.imul(v ^ s2, 0x9e3779b1)
      h2 ^= h2 >>> 16
      if (h2 < m2) m2 = h2
      let h3 = Math.imul(v ^ s3, 0x9e3779b1)
      h3 ^= h3 >>> 16
      if (h3 < m3) m3 = h3
    }
    sig[i] = m0
    sig[i + 1] = m1
    sig[i + 2] = m2
    sig[i + 3] = m3
  }
  for (; i < seeds.length; i++) {
    const seed = seeds[i]!
    let least = 0x7fffffff
    for (let s = 0; s < values.length; s++) {
      let h = Math.imul(values[s]! ^ seed, 0x9e3779b1)
      h ^= h >>> 16
      if (h < least) least = h
    }
    sig[i] = least
  }
  return sig
}

/**
 * One bucket per band: a 52-bit hash of the band's rows and its number, exact in a JavaScript number
 * and in SQLite's INTEGER. Two documents are candidates when any of their buckets are equal.
 */
export const bandBuckets = (sig: Int32Array, params: MinHashParams = defaultMinHashParams): Array<number> => {
  const buckets: Array<number> = []
  for (let b = 0; b < params.bands; b++) {
    let hi = mix32(b + 1)
    let lo = mix32(b + 0x7f4a7c15)
    for (let r = 0; r < params.rows; r++) {
      const v = sig[b * params.rows + r]!
      hi = mix32(Math.imul(hi, 0x9e3779b1) ^ v)
      lo = mix32(Math.imul(lo, 0x85ebca6b) ^ v ^ 0x27d4eb2f)
    }
    buckets.push((hi & 0xfffff) * 0x100000000 + lo)
  }
  return buckets
}

/** Exact Jaccard similarity of two shingle sets (sorted, distinct). */
export const jaccard = (a: ShingleSet, b: ShingleSet): number => {
  if (a.length === 0 && b.length === 0) return 1
  let i = 0
  let j = 0
  let common = 0
  while (i < a.length && j < b.length) {
    const x = a[i]!
    const y = b[j]!
    if (x === y) {
      common++
      i++
      j++
    } else if (x < y) i++
    else j++
  }
  return common / (a.length + b.length - common)
}

/** The probability that a pair of Jaccard similarity `s` shares at least one bucket. */
export const candidateProbability = (s: number, params: MinHashParams = defaultMinHashParams): number =>
  1 - Math.pow(1 - Math.pow(s, params.rows), params.bands)
