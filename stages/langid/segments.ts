/**
 * Cuts a document into segments of whole lines of about `target` characters, then picks at most
 * `max` of them spread evenly over the document, so language shares cost the same on a book as on
 * a page. Short lines (transcript turns) are merged with their neighbours.
 */
export const sampleSegments = (text: string, max: number, target = 200): Array<string> => {
  const segments: Array<string> = []
  let current = ""
  for (const line of text.split("\n")) {
    const trimmed = line.trim()
    if (trimmed.length === 0) continue
    current = current.length === 0 ? trimmed : `${current} ${trimmed}`
    if (current.length >= target) {
      segments.push(current.length > target * 1.5 ? current.slice(0, current.lastIndexOf(" ", target * 1.5) > target ? current.lastIndexOf(" ", target * 1.5) : target * 1.5) : current)
      current = ""
    }
  }
  if (current.length > 0) {
    if (segments.length > 0 && current.length < target / 4) segments[segments.length - 1] += ` ${current}`
    else segments.push(current)
  }
  if (segments.length <= max) return segments
  const step = segments.length / max
  return Array.from({ length: max }, (_, i) => segments[Math.floor(i * step + step / 2)]!)
}
