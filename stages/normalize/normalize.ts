import { Config } from "effect"
import { sha256Hex } from "../../domain/hashing.ts"
import { repairMojibake } from "../ingest/encoding.ts"
import { excluded, flagged, kept, type PipelineDocument } from "../../domain/document.ts"
import { defineStage } from "../stage.ts"

// C0 and C1 controls except tab and newline; also the BOM and other zero-width format marks that
// editors leave behind. Letters, diacritics and orthographic marks are never touched.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFEFF\u200B\u00AD]/g
const TRAILING_SPACE = /[ \t]+$/gm
const EXCESS_BLANK_LINES = /\n{3,}/g

/** The stored text: orthography kept, encoding damage, line endings and invisible junk cleaned. */
export const normalizeText = (raw: string): { text: string; mojibakeRepaired: number } => {
  const { text: repaired, repaired: mojibakeRepaired } = repairMojibake(raw)
  const text = repaired
    .replace(/\r\n?/g, "\n")
    .replace(CONTROL, "")
    .normalize("NFC")
    .replace(TRAILING_SPACE, "")
    .replace(EXCESS_BLANK_LINES, "\n\n")
    .trim()
  return { text, mojibakeRepaired }
}

const normalizeOne = (doc: PipelineDocument) => {
  const { text, mojibakeRepaired } = normalizeText(doc.text)
  if (text.length === 0) return excluded(doc, "normalize", "empty-after-normalize", "nothing but white space or control characters is left")
  let next: PipelineDocument = { ...doc, text, textSha256: sha256Hex(text) }
  if (mojibakeRepaired > 0) next = flagged(next, "normalize", "mojibake-repaired", `${mojibakeRepaired} run(s) of UTF-8 read as Latin-1 repaired`)
  return kept(next)
}

export const normalizeStage = defineStage({
  name: "normalize",
  config: Config.succeed({}),
  describe: () => "mojibake repair, NFC, line endings, control characters; text hash",
  pure: () => normalizeOne
})
