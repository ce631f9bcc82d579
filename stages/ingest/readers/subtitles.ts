import { readFile } from "node:fs/promises"
import { RE2JS } from "re2js"
import { decodeText } from "../encoding.ts"
import { toIso6393 } from "../language-codes.ts"
import { documentFrom, pseudonym, rejected, unreadable, withFileMetadata, wholeFileReader, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"

interface Cue {
  readonly voice: string | undefined
  readonly text: string
}

const TIMING = /^\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}/
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", nbsp: " ", lrm: "", rlm: "", quot: '"', apos: "'" }
const SOUND_CUE = /^[[(♪].*[\])♪]$|^♪+$/

// As backtracking RegExps these three are quadratic on a cue of unclosed `<a`, `{\` or `<v ` (6 s for
// 80 KB, hours for megabytes, on the main thread). RE2 finds the same matches in linear time; the
// voice tag spells out JavaScript's \s, since RE2's is ASCII only.
const JS_SPACE = "\\t\\n\\x0B\\f\\r \\x{00A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"
const TAG = RE2JS.compile("</?[a-zA-Z][^>]*>")
const ASS_OVERRIDE = RE2JS.compile("\\{\\\\[^}]*\\}")
const VOICE = RE2JS.compile(`<v(?:\\.[^${JS_SPACE}>]*)?[${JS_SPACE}]+([^>]+)>`)
const withoutTags = (s: string) => (s.includes("<") ? TAG.matcher(s).replaceAll("") : s)
const withoutOverrides = (s: string) => (s.includes("{\\") ? ASS_OVERRIDE.matcher(s).replaceAll("") : s)
const voiceOf = (s: string): string | undefined => (s.includes("<v") ? (VOICE.exec(s)?.[1] as string | undefined) : undefined)

const unmarkup = (s: string) =>
  withoutTags(s.replace(/<\d{1,2}:\d{2}(?::\d{2})?[.,]\d{1,3}>/g, ""))
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e: string) =>
      e.startsWith("#x") ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith("#") ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e.toLowerCase()] ?? m
    )
    .replace(/\s+/g, " ")
    .trim()

/** WebVTT cues: header, NOTE, STYLE and REGION blocks skipped; cue settings and markup removed. */
const vttCues = (text: string): { cues: Array<Cue>; language: string | undefined } => {
  const blocks = text.replace(/\r\n?/g, "\n").split(/\n{2,}/)
  const header = blocks.shift() ?? ""
  const language = /^lang(?:uage)?\s*:\s*(\S+)/im.exec(header)?.[1]
  const cues: Array<Cue> = []
  for (const block of blocks) {
    const lines = block.split("\n").filter((l) => l.trim().length > 0)
    if (lines.length === 0 || /^(NOTE|STYLE|REGION)(\s|$)/.test(lines[0]!)) continue
    const timing = lines.findIndex((l) => TIMING.test(l))
    if (timing < 0) continue
    const payload = lines.slice(timing + 1).join("\n")
    const voice = voiceOf(payload)?.trim()
    cues.push({ voice, text: unmarkup(payload) })
  }
  return { cues, language }
}

/** SRT: numbered cues with `,` in timings; markup such as <i> and <font> removed. */
const srtCues = (text: string): { cues: Array<Cue>; language: undefined } => {
  const cues: Array<Cue> = []
  for (const block of text.replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    const lines = block.split("\n").filter((l) => l.trim().length > 0)
    const timing = lines.findIndex((l) => TIMING.test(l))
    if (timing < 0) continue
    cues.push({ voice: undefined, text: unmarkup(withoutOverrides(lines.slice(timing + 1).join("\n"))) })
  }
  return { cues, language: undefined }
}

/** Consecutive cues of one voice become one paragraph, led by the voice's pseudonym. */
const joinCues = (file: FileToRead, cues: ReadonlyArray<Cue>, keepSound: boolean): string => {
  const paragraphs: Array<{ who: string | undefined; parts: Array<string> }> = []
  let voice: string | undefined
  for (const cue of cues) {
    if (!cue.text || (!keepSound && SOUND_CUE.test(cue.text))) continue
    if (cue.voice !== undefined) voice = cue.voice
    const who = voice ? pseudonym(file.institution, voice) : undefined
    const last = paragraphs[paragraphs.length - 1]
    if (last && last.who === who) last.parts.push(cue.text)
    else paragraphs.push({ who, parts: [cue.text] })
  }
  return paragraphs.map((p) => (p.who ? `${p.who}: ${p.parts.join(" ")}` : p.parts.join(" "))).join("\n")
}

const subtitleReader = (format: "webvtt" | "srt", extensions: ReadonlyArray<string>, parse: (text: string) => { cues: Array<Cue>; language: string | undefined }): DocumentReader => ({
  format,
  extensions,
  read: wholeFileReader(async (file: FileToRead, limits: ReaderLimits): Promise<Array<IngestItem>> => {
    const at = { localId: file.documentId ?? file.path, line: 0 }
    if (file.bytes > limits.maxDocumentBytes) return [rejected(file, at, "too-large", `${file.bytes} bytes is over the document limit (ACERVO_MAX_DOCUMENT_BYTES)`)]
    const decoded = decodeText(await readFile(file.storedPath))
    if (decoded._tag === "InvalidUtf8") return [rejected(file, at, "invalid-utf8", `invalid UTF-8 at byte ${decoded.firstOffset}; subtitles must be UTF-8`)]
    const { cues, language } = parse(decoded.text.replace(/^\uFEFF/, ""))
    if (format === "webvtt" && !/^WEBVTT/.test(decoded.text.replace(/^\uFEFF/, ""))) {
      return [rejected(file, at, "invalid-subtitles", "a WebVTT file starts with the line WEBVTT")]
    }
    const text = joinCues(file, cues, file.fields.reader?.subtitles?.soundCues ?? false)
    if (!text) return [rejected(file, at, "empty-document", "no cue holds text")]
    const doc = documentFrom(file, { ...at, fields: file.fields, text, encoding: decoded.encoding, rawBytes: file.bytes })
    return [{ _tag: "Document", document: withFileMetadata(doc, { language: toIso6393(language), metadata: { subtitles: { format, cues: cues.length, voices: new Set(cues.map((c) => c.voice).filter(Boolean)).size } } }) }]
  }, unreadable)
})

export const webvttReader = subtitleReader("webvtt", [".vtt"], vttCues)
export const srtReader = subtitleReader("srt", [".srt"], srtCues)
