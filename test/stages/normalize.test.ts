import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { normalizeStage, normalizeText } from "../../stages/normalize/normalize.ts"
import { dedupKeyText } from "../../stages/dedup/dedup-key.ts"
import { documentFrom, type FileToRead } from "../../stages/ingest/reader.ts"
import { decodeText } from "../../stages/ingest/encoding.ts"
import { applyPure, fixture } from "../helpers.ts"

const file: FileToRead = {
  fileId: 1, institution: "test", batchId: "b", batchSeq: 1, path: "a.txt", storedPath: "/dev/null",
  sha256: "", bytes: 0, documentId: undefined, fields: {}, doneUnits: 0
}
const doc = (text: string) => documentFrom(file, { localId: "a", line: 0, fields: {}, text, encoding: "utf-8", rawBytes: text.length })

describe("normalize", () => {
  it("composes to NFC, unifies line endings, drops control characters and keeps the orthography", () => {
    const raw = "\uFEFFKi te\u0304 nuꞌu\r\nM: Iñche tañi üy\rC: Mi nombre\u0007  \r\n\r\n\r\n\r\nŋāuru ʻo"
    const { text } = normalizeText(raw)
    expect(text).toBe("Ki tē nuꞌu\nM: Iñche tañi üy\nC: Mi nombre\n\nŋāuru ʻo")
    expect(text).toBe(text.normalize("NFC"))
  })

  it("turns the AVENUE Latin-1 transcript into the same lines as its UTF-8 copy", () => {
    const raw = decodeText(readFileSync(fixture("avenue", "nmdch-nfbat2.raw-latin1.txt")))
    if (raw._tag !== "Decoded") throw new Error("not decoded")
    const { text } = normalizeText(raw.text)
    expect(text).not.toContain("\r")
    const mLines = text.split("\n").filter((l) => l.startsWith("M:"))
    expect(mLines.length).toBeGreaterThan(20)
    expect(mLines.some((l) => /ü/.test(l))).toBe(true)
  })

  it("makes dedup keys that fold case, punctuation, saltillo and apostrophe variants, ŋ and macrons", () => {
    const standard = "Ko ꞌite ꞌā e au, ka ŋaro ꞌana te pūai."
    const typed = "ko 'ite 'a e au ka ngaro 'ana te puai"
    const curly = "KO ’ITE ’Ā E AU — KA NGARO ’ANA TE PŪAI!"
    expect(dedupKeyText(standard)).toBe(dedupKeyText(typed))
    expect(dedupKeyText(curly)).toBe(dedupKeyText(typed))
    expect(dedupKeyText("Considerando que\nla libertad,   la justicia")).toBe(dedupKeyText("considerando que la libertad la justicia"))
    expect(dedupKeyText("la libertad")).not.toBe(dedupKeyText("la igualdad"))
  })

  it("stage: keeps text with its hash, repairs mojibake with a flag, excludes what is left empty", async () => {
    const outcomes = applyPure(normalizeStage, {}, [doc("EducaciÃ³n pÃºblica"), doc("\u0000\u0007 \r\n"), doc("Marimari lamngen")])
    expect(outcomes[0]).toMatchObject({ _tag: "Kept", document: { text: "Educación pública", flags: [{ code: "mojibake-repaired" }] } })
    expect(outcomes[0]!.document.textSha256).toMatch(/^[0-9a-f]{64}$/)
    expect(outcomes[1]).toMatchObject({ _tag: "Excluded", reason: { stage: "normalize", code: "empty-after-normalize" } })
    expect(outcomes[2]).toMatchObject({ _tag: "Kept", document: { text: "Marimari lamngen", flags: [] } })
  })
})
