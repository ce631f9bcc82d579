import { Chunk, Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { readerFor } from "../../stages/ingest/readers/index.ts"
import type { FileToRead, IngestItem, ReaderLimits } from "../../stages/ingest/reader.ts"
import { fixture, tempDir } from "../helpers.ts"
import { bagOfWordsF1, markdownText, ngramJaccard, wordsOf } from "./text-similarity.ts"

const fileAt = (storedPath: string, path = storedPath, extra: Partial<FileToRead> = {}): FileToRead => ({
  fileId: 7, institution: "inst", batchId: "b1", batchSeq: 1, path, storedPath, sha256: "x",
  bytes: statSync(storedPath).size, documentId: undefined, fields: { license: "CC-BY-NC-SA-4.0" }, doneUnits: 0, ...extra
})

const readAll = (file: FileToRead, limits: Partial<ReaderLimits> = {}): Promise<Array<IngestItem>> => {
  const reader = readerFor(file.path)
  if (!reader) throw new Error(`no reader for ${file.path}`)
  return Effect.runPromise(Stream.runCollect(reader.read(file, { maxDocumentBytes: 16 * 1024 * 1024, maxDepth: 256, ...limits })).pipe(Effect.map(Chunk.toArray)))
}

const reasonOf = async (file: FileToRead, limits?: Partial<ReaderLimits>) => {
  const [item] = await readAll(file, limits)
  return item?._tag === "Rejected" ? item.reason : undefined
}

/** A PDF written by hand: `objects` are the bodies of objects 1..n, object 1 the catalog. */
const handWrittenPdf = (objects: ReadonlyArray<string>): Buffer => {
  let out = "%PDF-1.4\n"
  const offsets: Array<number> = []
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"))
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
  })
  const xref = Buffer.byteLength(out, "latin1")
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, "latin1")
}

const stream = (content: string) => `<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}\nendstream`

/** Pages whose content streams are `contents`, with Helvetica as /F1 (WinAnsi, and the ﬁ ligature at 128). */
const pdfWithPages = (contents: ReadonlyArray<string>, info?: string): Buffer => {
  const n = contents.length
  const pageIds = contents.map((_, i) => 4 + 2 * i)
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R /Lang (es-AR) >>",
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${n} >>`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [128 /fi] >> >>"
  ]
  contents.forEach((content, i) => {
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[i]! + 1} 0 R >>`)
    objects.push(stream(content))
  })
  const pdf = handWrittenPdf(objects)
  if (!info) return pdf
  // An Info dictionary as one more object, named in a rewritten trailer.
  const withInfo = handWrittenPdf([...objects, info]).toString("latin1").replace(`/Root 1 0 R`, `/Root 1 0 R /Info ${objects.length + 1} 0 R`)
  return Buffer.from(withInfo, "latin1")
}

const textLines = (lines: ReadonlyArray<[number, number, string]>) =>
  lines.map(([x, y, s]) => `BT /F1 11 Tf ${x} ${y} Td (${s}) Tj ET`).join("\n")

const fundar = (...parts: Array<string>) => fixture("pdf", "fundar", ...parts)

describe("PDF reader on the partner's publications", () => {
  const stems = readdirSync(fundar("pdf")).map((f) => f.replace(/\.pdf$/, "")).sort()

  it("reads each publication with a text layer close to the partner's own Markdown", async () => {
    const figures: Array<{ stem: string; jaccard: number; f1: number }> = []
    for (const stem of stems) {
      const [item] = await readAll(fileAt(fundar("pdf", `${stem}.pdf`), `pdf/${stem}.pdf`))
      if (item?._tag === "Rejected" && item.reason.code === "needs-ocr") continue
      if (item?._tag !== "Document") throw new Error(`${stem}: ${JSON.stringify(item)}`)
      const reference = wordsOf(markdownText(readFileSync(fundar("md", `${stem}.md`), "utf8")))
      const words = wordsOf(item.document.text)
      figures.push({ stem, jaccard: ngramJaccard(words, reference), f1: bagOfWordsF1(words, reference) })
      expect(item.document.encoding).toBe("pdf")
      expect(item.document.fields.license).toBe("CC-BY-NC-SA-4.0")
    }
    for (const f of figures) console.log(`pdf ${f.stem}: 5-gram Jaccard ${f.jaccard.toFixed(3)}, bag-of-words F1 ${f.f1.toFixed(3)}`)
    expect(figures.length).toBe(3)
    for (const f of figures) {
      expect(f.jaccard).toBeGreaterThan(0.9)
      expect(f.f1).toBeGreaterThan(0.97)
    }
  })

  it("removes and counts the running headers, footers and page numbers", async () => {
    const [item] = await readAll(fileAt(fundar("pdf", "el_rastreo_de_contactos_estrechos_en_la_argentina_fundar-2.pdf"), "x.pdf"))
    if (item?._tag !== "Document") throw new Error(JSON.stringify(item))
    const pdf = item.document.fields.metadata?.["pdf"] as { pages: number; running_lines_removed: number }
    expect(pdf.pages).toBe(24)
    // A running line ("Fundar", 19 times in pdftotext's output) and a page number on nearly every page but the cover.
    expect(pdf.running_lines_removed).toBeGreaterThanOrEqual(20)
    expect(item.document.text.match(/^Fundar$/gm) ?? []).toHaveLength(0)
  })

  it("excludes the partner's scanned statement, which has no text layer, as needs-ocr with its page count", async () => {
    const reason = await reasonOf(fileAt(fundar("pdf", "comunicado_la-democracia-se-mejora-con-mas-democracia.pdf"), "c.pdf"))
    expect(reason?.code).toBe("needs-ocr")
    expect(reason?.detail).toContain("2 page(s)")
  })
})

describe("PDF reader on PDFs built here", () => {
  it("reads text in reading order, joins hyphenated words and normalises ligatures and soft hyphens", async () => {
    const dir = tempDir()
    const body = textLines([
      [72, 720, "La democracia se mejora con m\\341s partici-"],
      [72, 706, "paci\\363n y con \\200nes claros."],
      [72, 692, "Pala\\255"],
      [72, 678, "bra partida."]
    ])
    writeFileSync(join(dir, "a.pdf"), pdfWithPages([body + "\n" + textLines([[72, 100, "y una l\\355nea que sigue en la otra p\\341-"]]), textLines([[72, 700, "gina del informe."]])]))
    const [item] = await readAll(fileAt(join(dir, "a.pdf"), "a.pdf"))
    if (item?._tag !== "Document") throw new Error(JSON.stringify(item))
    expect(item.document.text).toContain("participación")
    expect(item.document.text).toContain("fines claros")
    expect(item.document.text).toContain("Palabra partida.")
    expect(item.document.text).toContain("en la otra página del informe.")
  })

  it("reads the left column before the right one", async () => {
    const dir = tempDir()
    const left = Array.from({ length: 6 }, (_, i): [number, number, string] => [72, 700 - 14 * i, `izquierda ${i}, texto de la columna`])
    const right = Array.from({ length: 6 }, (_, i): [number, number, string] => [330, 700 - 14 * i, `derecha ${i}, texto de la columna`])
    writeFileSync(join(dir, "cols.pdf"), pdfWithPages([textLines([[72, 740, "Un titulo a lo ancho de toda la pagina, de lado a lado"], ...left, ...right])]))
    const [item] = await readAll(fileAt(join(dir, "cols.pdf"), "cols.pdf"))
    if (item?._tag !== "Document") throw new Error(JSON.stringify(item))
    const text = item.document.text
    expect(text.indexOf("Un titulo")).toBe(0)
    expect(text.indexOf("izquierda 5,")).toBeLessThan(text.indexOf("derecha 0,"))
  })

  it("keeps a raised footnote mark a word of its own", async () => {
    const dir = tempDir()
    // "…Nisman" ends at x = 241.9 (pdf.js's width); the mark follows with no gap, smaller and raised.
    const content = [
      "BT /F1 11 Tf 72 700 Td (la muerte del fiscal Alberto Nisman) Tj ET",
      "BT /F1 7 Tf 242 704 Td (1) Tj ET",
      "BT /F1 11 Tf 246 700 Td (y la desaparici\\363n) Tj ET"
    ].join("\n")
    writeFileSync(join(dir, "note.pdf"), pdfWithPages([content]))
    const [item] = await readAll(fileAt(join(dir, "note.pdf"), "note.pdf"))
    if (item?._tag !== "Document") throw new Error(JSON.stringify(item))
    expect(item.document.text).toBe("la muerte del fiscal Alberto Nisman 1 y la desaparición")
  })

  it("keeps the rows of a table whole", async () => {
    const dir = tempDir()
    const rows = ["Nunca es justificable", "El trabajo duro paga", "La religion importa"].map((label, i): Array<[number, number, string]> => [
      [72, 700 - 14 * i, label],
      [330, 700 - 14 * i, `${43 + i},81`],
      [420, 700 - 14 * i, `${34 + i},43`]
    ])
    writeFileSync(join(dir, "table.pdf"), pdfWithPages([textLines(rows.flat())]))
    const [item] = await readAll(fileAt(join(dir, "table.pdf"), "table.pdf"))
    if (item?._tag !== "Document") throw new Error(JSON.stringify(item))
    expect(item.document.text.split("\n")).toEqual(["Nunca es justificable 43,81 34,43", "El trabajo duro paga 44,81 35,43", "La religion importa 45,81 36,43"])
  })

  it("keeps the PDF's title, author, date and language under what the partner declared", async () => {
    const dir = tempDir()
    const info = "<< /Title (Informe anual) /Author (Ana P\\351rez; Luis Gil) /CreationDate (D:20210315120000-03'00') >>"
    writeFileSync(join(dir, "m.pdf"), pdfWithPages([textLines([[72, 700, "Texto del informe."]])], info))
    const [item] = await readAll(fileAt(join(dir, "m.pdf"), "m.pdf"))
    if (item?._tag !== "Document") throw new Error(JSON.stringify(item))
    expect(item.document.fields).toMatchObject({ title: "Informe anual", creators: ["Ana Pérez", "Luis Gil"], created: "2021-03-15", language: "spa" })
    const [declared] = await readAll(fileAt(join(dir, "m.pdf"), "m.pdf", { fields: { license: "CC-BY-4.0", title: "El título del socio" } }))
    if (declared?._tag !== "Document") throw new Error(JSON.stringify(declared))
    expect(declared.document.fields.title).toBe("El título del socio")
  })

  it("excludes a PDF whose pages draw no text as needs-ocr, with its page count", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "scan.pdf"), pdfWithPages(["0 0 1 rg 72 72 200 200 re f", "q 1 0 0 1 0 0 cm Q"]))
    const reason = await reasonOf(fileAt(join(dir, "scan.pdf"), "scan.pdf"))
    expect(reason).toMatchObject({ code: "needs-ocr" })
    expect(reason?.detail).toContain("2 page(s)")
  })

  it("excludes a truncated or broken PDF as pdf-invalid, never a crash", async () => {
    const dir = tempDir()
    const real = readFileSync(fundar("pdf", "cias-fundar-policy-brief-mapa-de-las-politicas-sociales-en-la-argentina.pdf"))
    writeFileSync(join(dir, "cut.pdf"), real.subarray(0, 600))
    writeFileSync(join(dir, "junk.pdf"), Buffer.from("this is not a PDF at all, only words\n".repeat(20)))
    writeFileSync(join(dir, "empty.pdf"), "")
    expect((await reasonOf(fileAt(join(dir, "cut.pdf"), "cut.pdf")))?.code).toBe("pdf-invalid")
    expect((await reasonOf(fileAt(join(dir, "junk.pdf"), "junk.pdf")))?.code).toBe("pdf-invalid")
    expect((await reasonOf(fileAt(join(dir, "empty.pdf"), "empty.pdf")))?.code).toBe("empty-file")
    const big = await reasonOf(fileAt(join(dir, "junk.pdf"), "junk.pdf"), { maxPdfBytes: 100 })
    expect(big?.code).toBe("too-large")
    expect(big?.detail).toContain("ACERVO_MAX_PDF_BYTES")
  })

  it("reads an encrypted PDF it may open, and excludes one that needs a password as pdf-encrypted", async () => {
    // Made with qpdf 11 (`qpdf --encrypt USER OWNER BITS`) from a one-page PDF written by hand.
    const open = fixture("pdf", "encrypted", "owner-password-aes128.pdf")
    const [item] = await readAll(fileAt(open, "owner.pdf"))
    if (item?._tag !== "Document") throw new Error(JSON.stringify(item))
    expect(item.document.text).toBe("Texto protegido por una clave de propietario.")
    const reason = await reasonOf(fileAt(fixture("pdf", "encrypted", "user-password-aes256.pdf"), "user.pdf"))
    expect(reason?.code).toBe("pdf-encrypted")
    expect(reason?.detail).toContain("password")
  })

  it("reads a PDF whose xref table points to the wrong places, and refuses hostile page trees without hanging", async () => {
    const dir = tempDir()
    const good = pdfWithPages(["BT /F1 11 Tf 72 700 Td (Texto con una tabla xref rota.) Tj ET"]).toString("latin1")
    writeFileSync(join(dir, "xref.pdf"), Buffer.from(good.replace(/\d{10} 00000 n/g, "0000000003 00000 n"), "latin1"))
    const [item] = await readAll(fileAt(join(dir, "xref.pdf"), "xref.pdf"))
    if (item?._tag !== "Document") throw new Error(JSON.stringify(item))
    expect(item.document.text).toBe("Texto con una tabla xref rota.")
    // A tree that claims 100,000 pages but holds one is read as the one page it holds.
    writeFileSync(join(dir, "claims.pdf"), Buffer.from(good.replace("/Count 1", "/Count 100000"), "latin1"))
    const [claims] = await readAll(fileAt(join(dir, "claims.pdf"), "claims.pdf"))
    expect(claims?._tag === "Document" && claims.document.fields.metadata?.["pdf"]).toMatchObject({ pages: 1 })
    // A tree of 100,000 real pages is refused from its count, before any page is read.
    writeFileSync(join(dir, "huge-tree.pdf"), pdfWithPages(Array.from({ length: 100_000 }, () => "BT /F1 11 Tf 72 700 Td (p) Tj ET")))
    const huge = await reasonOf(fileAt(join(dir, "huge-tree.pdf"), "huge-tree.pdf"))
    expect(huge?.code).toBe("pdf-too-many-pages")
    expect(huge?.detail).toContain("100000 pages")
    // A tree whose Pages node lists itself as a kid: pdf.js breaks the loop and finds no text.
    writeFileSync(join(dir, "loop.pdf"), Buffer.from(good.replace("/Kids [4 0 R] /Count 1", "/Kids [2 0 R 4 0 R] /Count 2"), "latin1"))
    const loop = await readAll(fileAt(join(dir, "loop.pdf"), "loop.pdf"))
    expect(loop.map((i) => i._tag)).toEqual(["Rejected", "FileDone"])
    expect(loop[0]?._tag === "Rejected" && loop[0].reason.code).toMatch(/^(pdf-invalid|needs-ocr)$/)
  })

  it("excludes a PDF with more pages than ACERVO_MAX_PDF_PAGES as pdf-too-many-pages", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "long.pdf"), pdfWithPages(["BT /F1 11 Tf 72 700 Td (uno) Tj ET", "BT /F1 11 Tf 72 700 Td (dos) Tj ET", "BT /F1 11 Tf 72 700 Td (tres) Tj ET"]))
    const reason = await reasonOf(fileAt(join(dir, "long.pdf"), "long.pdf"), { maxPdfPages: 2 })
    expect(reason?.code).toBe("pdf-too-many-pages")
    expect(reason?.detail).toContain("ACERVO_MAX_PDF_PAGES")
    const [item] = await readAll(fileAt(join(dir, "long.pdf"), "long.pdf"), { maxPdfPages: 3 })
    expect(item?._tag).toBe("Document")
  })
})
