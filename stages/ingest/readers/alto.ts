import { toIso6393 } from "../language-codes.ts"
import { documentFrom, rejected, withFileMetadata, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"
import { parseXmlFile, XmlRefused } from "../xml.ts"

/**
 * ALTO v2, v3 and v4 (elements matched by local name, whatever the namespace): text rebuilt from
 * TextBlock / TextLine / String / SP / HYP with hyphenated word parts joined; the mean word
 * confidence (WC) and the OCR software are kept for the quality stage and provenance.
 */
export const readAlto = async (file: FileToRead, limits: ReaderLimits): Promise<Array<IngestItem>> => {
  const blocks: Array<string> = []
  let lines: Array<string> = []
  let line = ""
  let size = 0
  let joinNext = false
  let skipPart2 = false
  let wcSum = 0
  let wcCount = 0
  let words = 0
  const languages = new Map<string, number>()
  const software: Array<string> = []
  let softwareField: "softwareName" | "softwareVersion" | undefined
  let softwareText = ""
  const append = (word: string) => {
    if (line.length > 0 && !joinNext) line += " "
    else if (line.length === 0 && joinNext && lines.length > 0) line = lines.pop()!
    line += word
    joinNext = false
    size += word.length + 1
    if (size > limits.maxDocumentBytes) throw new XmlRefused("xml-invalid", "too-large")
  }
  const encoding = await parseXmlFile(
    file.storedPath,
    {
      open: (el) => {
        const a = el.attributes
        switch (el.name) {
          case "TextBlock": {
            const lang = a["LANG"] ?? a["language"] ?? a["lang"]
            if (lang) languages.set(lang, (languages.get(lang) ?? 0) + 1)
            break
          }
          case "String": {
            words++
            const wc = a["WC"] !== undefined ? Number(a["WC"]) : NaN
            if (Number.isFinite(wc)) {
              wcSum += wc
              wcCount++
            }
            const subsType = a["SUBS_TYPE"]
            if (subsType === "HypPart2" && skipPart2) {
              skipPart2 = false
              break
            }
            if (subsType === "HypPart1" && a["SUBS_CONTENT"]) {
              append(a["SUBS_CONTENT"])
              skipPart2 = true
              break
            }
            append(a["CONTENT"] ?? "")
            if (subsType === "HypPart1") joinNext = true
            break
          }
          case "HYP":
            if (!skipPart2) joinNext = true
            break
          case "softwareName":
          case "softwareVersion":
            softwareField = el.name
            softwareText = ""
            break
        }
      },
      close: (name) => {
        if (name === "TextLine") {
          if (line.length > 0) lines.push(line)
          line = ""
        } else if (name === "TextBlock") {
          if (line.length > 0) lines.push(line)
          line = ""
          if (lines.length > 0) blocks.push(lines.join("\n"))
          lines = []
          joinNext = false
        } else if (name === softwareField) {
          const value = softwareText.replace(/\s+/g, " ").trim()
          if (value) software.push(value)
          softwareField = undefined
        }
      },
      text: (t) => {
        if (softwareField) softwareText += t
      }
    },
    limits
  )
  if (lines.length > 0 || line.length > 0) blocks.push([...lines, line].filter(Boolean).join("\n"))
  const at = { localId: file.documentId ?? file.path, line: 0 }
  const text = blocks.join("\n\n")
  if (!text.trim()) return [rejected(file, at, "empty-document", "the ALTO page holds no String content")]
  const meanWordConfidence = wcCount > 0 ? Math.round((wcSum / wcCount) * 10_000) / 10_000 : null
  const language = [...languages].sort((x, y) => y[1] - x[1])[0]?.[0]
  const doc = documentFrom(file, { ...at, fields: file.fields, text, encoding, rawBytes: file.bytes })
  return [
    {
      _tag: "Document",
      document: withFileMetadata(doc, {
        language: toIso6393(language),
        metadata: { ocr: { format: "alto", mean_word_confidence: meanWordConfidence, words, words_with_confidence: wcCount, software: software.join(" ") || null } }
      })
    }
  ]
}
