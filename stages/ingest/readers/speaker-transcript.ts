import { readFile } from "node:fs/promises"
import { decodeText } from "../encoding.ts"
import { checkPartnerPattern, MAX_PATTERN_LINE_CHARS } from "../partner-pattern.ts"
import { documentFrom, rejected, unreadable, withFileMetadata, wholeFileReader, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"
import { RE2JS } from "re2js"

/**
 * Transcription noise such as <uh>, <Noise>, <%>, <Cough>; code-switch marks (<*SPA>, <SPA>) are read
 * apart. The default is a JavaScript RegExp (a fixed alternation, linear); a partner's own pattern
 * goes through RE2 (partner-pattern.ts), whose time is linear whatever the pattern.
 */
export const DEFAULT_NOISE = /<(?:uh|uhm|hm|mm|Noise|%|P|Cough|Laugh|Throat|Breath|Sniff|Click|Lipsmack|Pause)>/gi
const CODE_SWITCH = /<\*?([A-Z]{3})>\s*(\S*)/g
// `<!\d*([^>]+)>` as a backtracking RegExp is quadratic on a line of unclosed `<!` (4 s for 80 KB);
// in RE2 it is linear, with the same matches (ASCII classes, no case folding).
const ANNOTATED_WORD = RE2JS.compile("<!\\d*([^>]+)>")
const unannotated = (text: string) => (text.includes("<!") ? ANNOTATED_WORD.matcher(text).replaceAll("$1") : text)
const TURN = /^\s*([A-Za-z][A-Za-z0-9]*)\s*:\s?(.*)$/

const iso6393OfMark = (mark: string) => mark.toLowerCase()

/**
 * Speaker-labelled transcripts (AVENUE and most oral-history collections): `reader.transcript.speakers`
 * maps line prefixes to languages (`{"M": "arn", "C": "spa"}`). Each language becomes a document of
 * its turns in order; header (`;`) and utterance-id lines are dropped, noise marks removed, and
 * code-switch marks such as `<*SPA>word` kept as per-word language hints in the metadata.
 */
export const readSpeakerTranscript = async (file: FileToRead, limits: ReaderLimits): Promise<Array<IngestItem>> => {
  const settings = file.fields.reader?.transcript
  const at = { localId: file.documentId ?? file.path, line: 0 }
  if (!settings) return [rejected(file, at, "unsupported-format", "no reader.transcript settings")]
  if (file.bytes > limits.maxDocumentBytes) return [rejected(file, at, "too-large", `${file.bytes} bytes is over the document limit (ACERVO_MAX_DOCUMENT_BYTES)`)]
  const decoded = decodeText(await readFile(file.storedPath))
  if (decoded._tag === "InvalidUtf8") return [rejected(file, at, "invalid-utf8", `invalid UTF-8 at byte ${decoded.firstOffset}; re-save the file as UTF-8`)]
  let removeNoise = (text: string) => text.replace(DEFAULT_NOISE, " ")
  if (settings.noise !== undefined) {
    // Checked at submit; a batch registered before that check is refused here, document by document.
    const partner = checkPartnerPattern(settings.noise)
    if (partner._tag === "Invalid") return [rejected(file, at, "pattern-invalid", `reader.transcript.noise ${partner.problem}; give ${partner.fix}`)]
    removeNoise = (text) => partner.pattern.replaceAll(text, " ")
  }
  const byLanguage = new Map<string, { lines: Array<string>; hints: Array<{ line: number; lang: string; word: string }> }>()
  let unlabelled = 0
  const seconds = limits.documentTimeoutSeconds ?? 0
  const deadline = seconds > 0 ? performance.now() + seconds * 1000 : Infinity
  const lines = decoded.text.split(/\r\n|\r|\n/)
  for (const [index, raw] of lines.entries()) {
    if (performance.now() > deadline) {
      return [rejected(file, at, "timeout", `reading took longer than ${seconds} s (ACERVO_DOCUMENT_TIMEOUT_SECONDS), stopped at line ${index + 1} of ${lines.length}${settings.noise === undefined ? "" : "; the noise pattern (reader.transcript.noise) is what costs most per line: a simpler one reads faster"}`)]
    }
    const line = raw.trim()
    if (!line || line.startsWith(";") || /^\S+:$/.test(line)) continue
    const turn = TURN.exec(line)
    const lang = turn ? settings.speakers[turn[1]!] : undefined
    if (!turn || !lang) {
      unlabelled++
      continue
    }
    if (settings.noise !== undefined && turn[2]!.length > MAX_PATTERN_LINE_CHARS) {
      return [rejected(file, at, "line-too-long", `line ${index + 1} has ${turn[2]!.length} characters; a partner's noise pattern (reader.transcript.noise) is applied to lines of at most ${MAX_PATTERN_LINE_CHARS}: break the turn into lines, or leave out the pattern`)]
    }
    const entry = byLanguage.get(lang) ?? { lines: [], hints: [] }
    byLanguage.set(lang, entry)
    let content = removeNoise(turn[2]!)
    content = content.replace(CODE_SWITCH, (_m, mark: string, word: string) => {
      if (word) entry.hints.push({ line: index + 1, lang: iso6393OfMark(mark), word: unannotated(word) })
      return word
    })
    content = unannotated(content).replace(/\s+/g, " ").trim()
    if (content) entry.lines.push(content)
  }
  const out: Array<IngestItem> = []
  const order = [...new Set(Object.values(settings.speakers))]
  order.forEach((lang, i) => {
    const entry = byLanguage.get(lang)
    if (!entry || entry.lines.length === 0) return
    const doc = documentFrom(file, {
      localId: `${at.localId}#${lang}`,
      line: i + 1,
      fields: { ...file.fields, language: lang },
      text: entry.lines.join("\n"),
      encoding: decoded.encoding,
      rawBytes: i === 0 ? file.bytes : 0
    })
    out.push({
      _tag: "Document",
      document: withFileMetadata(doc, { metadata: { transcript: { language: lang, turns: entry.lines.length, unlabelled_lines: unlabelled, code_switch_hints: entry.hints } } })
    })
  })
  if (out.length === 0) return [rejected(file, at, "empty-document", `no line starts with one of the speaker prefixes ${Object.keys(settings.speakers).join(", ")}`)]
  return out
}

export const speakerTranscriptReader: DocumentReader = {
  format: "speaker-transcript",
  extensions: [".txt"],
  read: wholeFileReader(readSpeakerTranscript, unreadable)
}
