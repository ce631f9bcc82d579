/** Segments shorter than this are merged with a neighbour from the same line: alone they say little. */
export const MIN_SEGMENT_CHARS = 25
const SENTENCE_END_INSIDE = /[.!?…;:।。！？][\s"'»”’)\]]*\S/u
const sentenceSegmenter = new Intl.Segmenter("und", { granularity: "sentence" })

/** Sentences of one line, each short one merged into the previous (or, at the start, the next). */
export const lineSegments = (line: string): Array<string> => {
  // Most transcript turns and short lines hold one sentence; the segmenter is only worth its cost where a sentence can end inside.
  if (!SENTENCE_END_INSIDE.test(line)) {
    const trimmed = line.trim()
    return trimmed.length > 0 ? [trimmed] : []
  }
  const merged: Array<string> = []
  let carry = ""
  for (const { segment } of sentenceSegmenter.segment(line)) {
    const s = segment.trim()
    if (s.length === 0) continue
    if (carry) {
      merged.push(`${carry} ${s}`)
      carry = ""
    } else if (s.length < MIN_SEGMENT_CHARS) {
      if (merged.length > 0) merged[merged.length - 1] += ` ${s}`
      else carry = s
    } else merged.push(s)
  }
  if (carry) merged.push(carry)
  return merged
}

/**
 * Sentence segments of a document for language shares. Lines are never merged with each other, so
 * the turns of a code-switched transcript stay apart. On long documents at most `max` segments are
 * taken, spread evenly, so that a book costs about what a page costs.
 */
export const documentSegments = (text: string, max: number): Array<string> => {
  const lines = text.split("\n").filter((l) => l.trim().length > 0)
  const chosen = lines.length <= max ? lines : Array.from({ length: max }, (_, i) => lines[Math.floor(((i + 0.5) * lines.length) / max)]!)
  const segments = chosen.flatMap((line) => (line.length > 20_000 ? lineSegments(line.slice(0, 20_000)) : lineSegments(line)))
  if (segments.length <= max) return segments
  return Array.from({ length: max }, (_, i) => segments[Math.floor(((i + 0.5) * segments.length) / max)]!)
}
