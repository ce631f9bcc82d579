import { Chunk, Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import { readerFor } from "../../stages/ingest/readers/index.ts"
import type { FileToRead } from "../../stages/ingest/reader.ts"
import type { PipelineDocument } from "../../domain/document.ts"
import { fixture, tempDir } from "../helpers.ts"

const read = async (storedPath: string, fields: DocumentFields = {}, maxDepth = 256) => {
  const file: FileToRead = {
    fileId: 3, institution: "archivo-demo", batchId: "b", batchSeq: 1, path: storedPath.split("/").pop()!, storedPath,
    sha256: "", bytes: statSync(storedPath).size, documentId: undefined, fields, doneUnits: 0
  }
  const reader = readerFor(file.path, fields.reader)
  if (!reader) throw new Error(`no reader for ${file.path}`)
  const items = await Effect.runPromise(Stream.runCollect(reader.read(file, { maxDocumentBytes: 16 * 1024 * 1024, maxDepth })).pipe(Effect.map(Chunk.toArray)))
  return {
    documents: items.flatMap((i) => (i._tag === "Document" ? [i.document] : [])),
    rejected: items.flatMap((i) => (i._tag === "Rejected" ? [i.reason] : [])),
    done: items.filter((i) => i._tag === "FileDone").length
  }
}
const only = async (path: string, fields: DocumentFields = {}): Promise<PipelineDocument> => {
  const { documents, rejected } = await read(path, fields)
  expect(rejected).toEqual([])
  expect(documents).toHaveLength(1)
  return documents[0]!
}
const meanWc = (path: string) => {
  const values = [...readFileSync(path, "utf8").matchAll(/<String[^>]*\sWC="([0-9.]+)"/g)].map((m) => Number(m[1]))
  return values.reduce((a, b) => a + b, 0) / values.length
}
const tei = (name: string) => fixture("formats", "tei", name)
const alto = (name: string) => fixture("formats", "alto", name)
const eaf = (name: string) => fixture("formats", "elan", name)
const vtt = (name: string) => fixture("formats", "webvtt", name)

describe("TEI P5", () => {
  it("reads ELTeC Portuguese: body in reading order, header metadata, licence from availability", async () => {
    const doc = await only(tei("eltec-por-POR0066-innocente.xml"), { license: "CC-BY-4.0" })
    expect(doc.text.startsWith("«Bemaventurados os simples")).toBe(true)
    expect(doc.text).toContain("Era no verão.")
    expect(doc.text).not.toContain("Codificação segundo as normas do ELTeC")
    expect(doc.fields).toMatchObject({ title: "Inocente: Edição para o ELTeC", creators: ["Castro e Almeida, Virgínia de (1874-1945)"], created: "1916", language: "por" })
    expect(doc.flags).toEqual([])
  })

  it("flags a TEI licence that differs from the batch's and applies both", async () => {
    const doc = await only(tei("eltec-por-POR0066-innocente.xml"), { license: "CC-BY-NC-SA-4.0" })
    expect(doc.fields.license).toBe("(CC-BY-NC-SA-4.0) AND CC-BY-4.0")
    expect(doc.flags).toEqual([expect.objectContaining({ stage: "ingest", code: "license-conflict" })])
  })

  it("reads ELTeC Spanish with langUsage idents in capitals and foreign phrases kept in place", async () => {
    const doc = await only(tei("eltec-spa-SPA3026-clarin-pipa.xml"))
    expect(doc.fields.language).toBe("spa")
    expect(doc.fields.title).toBe("Pipá : edición ELTeC")
    expect(doc.text).toContain("Ya nadie se acuerda de él.")
    expect(doc.text).toContain("Era como decir: Alea jacta est.")
    expect(doc.text.split("\n\n")[0]).toBe("- I -")
  })

  it("leaves out notes and the critical apparatus unless configured", async () => {
    const dir = tempDir()
    const path = join(dir, "nota.xml")
    writeFileSync(path, `<?xml version="1.0"?><TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="es"><teiHeader><fileDesc><titleStmt><title>Carta</title></titleStmt><publicationStmt><availability><licence target="https://creativecommons.org/publicdomain/zero/1.0/"/></availability></publicationStmt></fileDesc></teiHeader><text><body><p>Querida hermana<note place="foot">Nota del editor.</note>, te escribo desde <app><lem>Temuco</lem><rdg wit="#b">Temuko</rdg></app>.</p></body></text></TEI>`)
    expect((await only(path)).text).toBe("Querida hermana, te escribo desde Temuco.")
    expect((await only(path)).fields.license).toBe("CC0-1.0")
    expect((await only(path, { reader: { tei: { notes: true } } })).text).toBe("Querida hermanaNota del editor., te escribo desde Temuco.")
  })
})

describe("ALTO", () => {
  it("v2 (ABBYY, French): joins hyphenated parts, keeps the mean word confidence and the OCR software", async () => {
    const path = alto("ocrsamples-alto2-abbyy-fr-417576986_0012.alto.xml")
    const doc = await only(path)
    expect(doc.text).toContain("dès la naissance")
    expect(doc.text).toContain("pour la conservation")
    expect(doc.text).not.toMatch(/\bnais\b|\bsance\b/)
    const ocr = (doc.fields.metadata as { ocr: { mean_word_confidence: number; software: string; words: number } }).ocr
    expect(ocr.mean_word_confidence).toBeCloseTo(meanWc(path), 4)
    expect(ocr).toMatchObject({ software: "ABBYY FineReader Engine 11", words: 140 })
    expect(doc.fields.language).toBe("fra")
  })

  it("v2 with a BOM and CRLF (German): reads through the BOM and joins its hyphenation pair", async () => {
    const path = alto("dinglehopper-alto2-abbyy-de-bom.alto.xml")
    expect(readFileSync(path).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const doc = await only(path)
    expect(doc.text).toContain("übersichtlich")
    expect(doc.text).not.toContain("\r")
    expect((doc.fields.metadata as { ocr: { mean_word_confidence: number } }).ocr.mean_word_confidence).toBeCloseTo(meanWc(path), 4)
  })

  it("v3 (Tesseract) and v4 (eScriptorium, Hebrew, no WC) under their own namespaces", async () => {
    const v3 = await only(alto("ocrsamples-alto3-tesseract41-en-testfile.alto.xml"))
    expect(v3.text).toContain("Lorem ipsum dolor sit amet")
    expect((v3.fields.metadata as { ocr: { software: string } }).ocr.software).toBe("tesseract 4.1.0")
    const v4 = await only(alto("kraken-alto4-escriptorium-heb-rtl.alto.xml"))
    expect(v4.text).toContain("אלך לי חוצה לארץ")
    expect(v4.text).toContain("וגו'")
    expect((v4.fields.metadata as { ocr: { mean_word_confidence: number | null } }).ocr.mean_word_confidence).toBeNull()
  })
})

describe("ELAN", () => {
  it("keeps the utterance tier, makes the free translation a document of its own, and leaves words, morphemes and glosses out", async () => {
    const { documents } = await read(eaf("poio-turkish-igt.eaf"))
    expect(documents).toHaveLength(2)
    const [transcription, translation] = documents
    expect(transcription!.text.split("\n")[0]).toBe("dün akşam koşa koşa eve geldim")
    expect(transcription!.text.split("\n")).toHaveLength(9)
    expect(transcription!.fields.language).toBe("tur")
    expect(transcription!.text).not.toContain("yesterday")
    expect(translation!.text.split("\n")[0]).toBe("yesterday evening I came home running")
    expect(translation!.fields.language).toBe("eng")
    expect(translation!.source.document).toBe("poio-turkish-igt.eaf#translation-1")
    const dropped = await read(eaf("poio-turkish-igt.eaf"), { reader: { elan: { translations: "drop" } } })
    expect(dropped.documents).toHaveLength(1)
  })

  it("replaces participant names by stable pseudonyms and drops media paths", async () => {
    const doc = await only(eaf("nzilbb-mop03-2b-interview.eaf"))
    const stored = JSON.stringify({ text: doc.text, fields: doc.fields, flags: doc.flags })
    for (const name of ["interviewer", "mop03-2b", "Dad's Interview", "robert"]) expect(stored).not.toContain(name)
    const speakers = new Set(doc.text.split("\n").map((l) => l.split(":")[0]))
    expect(speakers.size).toBe(2)
    for (const s of speakers) expect(s).toMatch(/^S-[0-9a-f]{6}$/)
    expect(doc.fields.language).toBe("eng")
    const again = await only(eaf("nzilbb-mop03-2b-interview.eaf"))
    expect(again.text).toBe(doc.text)
  })

  it("reads EAF 3.0 with a time-alignable child tier and Japanese text in time order", async () => {
    const doc = await only(eaf("speach-ja-en-cv.eaf"), { reader: { elan: { transcriptionTiers: ["Person1 (Utterance)"] } } })
    expect(doc.text.split("\n").slice(0, 3)).toEqual(["How do you read this?", "このリンゴ、おいしいね！", "What does it mean?"])
    expect(doc.text).not.toContain("convo start")
  })
})

describe("WebVTT and SRT", () => {
  it("drops the header, NOTE blocks, timings, settings and sound cues; pseudonymises voices", async () => {
    const doc = await only(vtt("ableplayer-wwa-captions-es.vtt"))
    expect(doc.text).toMatch(/^S-[0-9a-f]{6}: Usted quiere a esas personas\. Compran sus productos, solicitan sus servicios,/)
    for (const gone of ["NOTE", "-->", "música", "Narrador", "position:", "kind:"]) expect(doc.text).not.toContain(gone)
    expect(doc.fields.language).toBe("spa")
  })

  it("keeps multi-word and accented voice names out of the text", async () => {
    const es = await only(vtt("ableplayer-itaccess-subtitles-es.vtt"))
    expect(es.text).not.toContain("Michael Young")
    expect(es.text).toContain("estamos comprometidos con la noción que todo el mundo debería tener la oportunidad")
    const pt = await only(vtt("ableplayer-blocks4all-captions-pt-br.vtt"))
    expect(pt.text).not.toContain("Mãe do Boon")
    expect(pt.text).toContain("Bonn é muito empolgado sobre o mundo.")
  })

  it("reads SRT cues in order without numbers, timings or markup", async () => {
    const path = join(tempDir(), "entrevista.srt")
    writeFileSync(path, "1\r\n00:00:01,000 --> 00:00:03,500\r\n<i>Mari mari lamngen,</i>\r\n¿chumleymi?\r\n\r\n2\r\n00:00:04,000 --> 00:00:06,000\r\n<font color=\"#fff\">Kümelen, ¿eymi kay?</font>\r\n")
    expect((await only(path)).text).toBe("Mari mari lamngen, ¿chumleymi? Kümelen, ¿eymi kay?")
  })
})

describe("speaker-labelled transcripts", () => {
  it("splits an AVENUE Latin-1 transcript into Mapudungun and Spanish documents with code-switch hints", async () => {
    const fields: DocumentFields = { reader: { transcript: { speakers: { M: "arn", C: "spa" } } } }
    const { documents } = await read(fixture("avenue", "nmlch-lfjmcB2.raw-latin1.txt"), fields)
    expect(documents.map((d) => [d.source.document, d.fields.language])).toEqual([
      ["nmlch-lfjmcB2.raw-latin1.txt#arn", "arn"],
      ["nmlch-lfjmcB2.raw-latin1.txt#spa", "spa"]
    ])
    const [arn, spa] = documents
    for (const d of documents) {
      expect(d.text).not.toMatch(/^[MC]\s*:/m)
      expect(d.text).not.toMatch(/<uh>|<Noise>|<\*SPA>|_x_\d/)
      expect(d.text).not.toContain("; File:")
    }
    expect(arn!.text).toMatch(/ü/)
    const hints = (arn!.fields.metadata as { transcript: { code_switch_hints: Array<{ lang: string; word: string }> } }).transcript.code_switch_hints
    expect(hints.length).toBeGreaterThan(100)
    expect(hints.every((h) => h.lang === "spa" && h.word.length > 0)).toBe(true)
    expect(spa!.text).toMatch(/\b(que|de|el|la)\b/)
  })
})

describe("XML safety", () => {
  const hostile = (name: string, body: string) => {
    const path = join(tempDir(), name)
    writeFileSync(path, body)
    return path
  }

  it("refuses external entities, entity expansion and deep nesting, and reports broken XML", async () => {
    const xxe = hostile("xxe.xml", `<?xml version="1.0"?><!DOCTYPE TEI [<!ENTITY secret SYSTEM "file:///etc/passwd">]><TEI><text><body><p>&secret;</p></body></text></TEI>`)
    const laughs = hostile("laughs.xml", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><TEI><text><body><p>&lol3;</p></body></text></TEI>`)
    const deep = hostile("deep.xml", `<TEI><text><body>${"<div>".repeat(2000)}x${"</div>".repeat(2000)}</body></text></TEI>`)
    const broken = hostile("broken.xml", `<TEI><text><body><p>sin cerrar</body></text></TEI>`)
    const undefinedEntity = hostile("entity.xml", `<TEI><text><body><p>&nbsp;hola</p></body></text></TEI>`)
    expect((await read(xxe)).rejected).toEqual([expect.objectContaining({ code: "xml-unsafe", detail: expect.stringContaining("declares entities") })])
    expect((await read(laughs)).rejected).toEqual([expect.objectContaining({ code: "xml-unsafe" })])
    expect((await read(deep)).rejected).toEqual([expect.objectContaining({ code: "xml-unsafe", detail: "elements nest deeper than 256 levels" })])
    expect((await read(broken)).rejected).toEqual([expect.objectContaining({ code: "xml-invalid" })])
    expect((await read(undefinedEntity)).rejected).toEqual([expect.objectContaining({ code: "xml-unsafe" })])
    expect(readFileSync(xxe, "utf8")).toContain("/etc/passwd")
  })
})

describe("large XML", () => {
  it("streams a large TEI file and stops at the document limit instead of loading it", async () => {
    const path = join(tempDir(), "grande.xml")
    const paragraph = `<p>${"Considerando que la libertad, la justicia y la paz en el mundo tienen por base el reconocimiento de la dignidad. ".repeat(20)}</p>\n`
    const { openSync, writeSync, closeSync } = await import("node:fs")
    const fd = openSync(path, "w")
    writeSync(fd, `<?xml version="1.0"?><TEI><teiHeader/><text><body>`)
    for (let i = 0; i < 12_000; i++) writeSync(fd, paragraph)
    writeSync(fd, `</body></text></TEI>`)
    closeSync(fd)
    expect(statSync(path).size).toBeGreaterThan(25_000_000)
    const file: FileToRead = { fileId: 1, institution: "i", batchId: "b", batchSeq: 1, path: "grande.xml", storedPath: path, sha256: "", bytes: statSync(path).size, documentId: undefined, fields: {}, doneUnits: 0 }
    const items = await Effect.runPromise(Stream.runCollect(readerFor("grande.xml")!.read(file, { maxDocumentBytes: 1_000_000, maxDepth: 256 })).pipe(Effect.map(Chunk.toArray)))
    expect(items[0]).toMatchObject({ _tag: "Rejected", reason: { code: "too-large" } })
  })
})
