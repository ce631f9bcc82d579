/** Words of a text as the PDF targets of issue 17 count them: lower case, letters and digits. */
export const wordsOf = (text: string): Array<string> => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []

/** Markdown reduced to its words' text: images and links keep their text, not their address. */
export const markdownText = (md: string): string =>
  md
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, " ")

const ngrams = (words: ReadonlyArray<string>, n: number): Set<string> => {
  const out = new Set<string>()
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(" "))
  return out
}

/** Jaccard similarity of the two texts' sets of word n-grams (5 by default). */
export const ngramJaccard = (a: ReadonlyArray<string>, b: ReadonlyArray<string>, n = 5): number => {
  const x = ngrams(a, n)
  const y = ngrams(b, n)
  let both = 0
  for (const g of x) if (y.has(g)) both++
  const union = x.size + y.size - both
  return union === 0 ? 1 : both / union
}

/** F1 of the two texts' bags of words (each word counted as often as it occurs). */
export const bagOfWordsF1 = (found: ReadonlyArray<string>, reference: ReadonlyArray<string>): number => {
  const counts = new Map<string, number>()
  for (const w of reference) counts.set(w, (counts.get(w) ?? 0) + 1)
  let overlap = 0
  for (const w of found) {
    const c = counts.get(w) ?? 0
    if (c > 0) {
      overlap++
      counts.set(w, c - 1)
    }
  }
  if (found.length === 0 || reference.length === 0) return 0
  const precision = overlap / found.length
  const recall = overlap / reference.length
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
}
