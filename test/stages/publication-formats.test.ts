import { Chunk, Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import { readerFor } from "../../stages/ingest/readers/index.ts"
import type { FileToRead } from "../../stages/ingest/reader.ts"
import { readZipEntries } from "../../stages/ingest/zip.ts"
import { zipOf } from "../archives.ts"
import { tempDir } from "../helpers.ts"

const here = join(import.meta.dirname, "../fixtures/formats/publication")

const read = async (storedPath: string, fields: DocumentFields = {}, maxDocumentBytes = 16 * 1024 * 1024) => {
  const file: FileToRead = {
    fileId: 7, institution: "biblioteca-demo", batchId: "b", batchSeq: 1, path: storedPath.split("/").pop()!, storedPath,
    sha256: "", bytes: statSync(storedPath).size, documentId: undefined, fields, doneUnits: 0
  }
  const reader = readerFor(file.path)
  if (!reader) throw new Error(`no reader for ${file.path}`)
  const items = await Effect.runPromise(Stream.runCollect(reader.read(file, { maxDocumentBytes, maxDepth: 256 })).pipe(Effect.map(Chunk.toArray)))
  return {
    documents: items.flatMap((i) => (i._tag === "Document" ? [i.document] : [])),
    rejections: items.flatMap((i) => (i._tag === "Rejected" ? [i.reason] : []))
  }
}

/** The source text's paragraphs, Markdown marks (headings, list bullets) taken off. */
const sourceParagraphs = readFileSync(join(here, "udhr-spa.md"), "utf8").split(/\n\n+/).map((p) => p.replace(/^(## |- )/, "").trim()).filter(Boolean)

const expectEverySourceParagraph = (text: string) => {
  const paragraphs = text.split(/\n\n+/).map((p) => p.trim())
  for (const p of sourceParagraphs) expect(paragraphs, p).toContain(p)
  // In the source's order.
  const positions = sourceParagraphs.map((p) => paragraphs.indexOf(p))
  expect([...positions].sort((a, b) => a - b)).toEqual(positions)
}

const broken = (name: string, bytes: Uint8Array | string) => {
  const path = join(tempDir("acervo-pubfmt-"), name)
  writeFileSync(path, bytes)
  return path
}

/** A copy of a fixture package with some parts replaced (or removed, with `undefined`). */
const repackaged = async (fixtureName: string, changes: Record<string, string | Buffer | undefined>) => {
  const parts = await readZipEntries(join(here, fixtureName), () => true, { maxUnpackedBytes: 1 << 30, maxEntries: 1000 })
  for (const [name, data] of Object.entries(changes)) {
    if (data === undefined) parts.delete(name)
    else parts.set(name, Buffer.from(data))
  }
  const out = join(tempDir("acervo-pubfmt-"), fixtureName)
  return zipOf([...parts].map(([name, data]) => ({ name, data })), out)
}

const codesOf = async (path: string, maxDocumentBytes?: number) => {
  const { documents, rejections } = await read(path, {}, maxDocumentBytes)
  expect(documents).toEqual([])
  return rejections.map((r) => r.code)
}

const brokenPackages = (fixtureName: string, mainPart: string, invalidCode: string) => {
  it("excludes a truncated file, one without its main part, an entity declaration and a zip bomb, each with its reason", async () => {
    const whole = readFileSync(join(here, fixtureName))
    expect(await codesOf(broken(fixtureName, whole.subarray(0, Math.floor(whole.length / 2))))).toEqual([invalidCode])
    expect(await codesOf(broken(fixtureName, "not a zip at all"))).toEqual([invalidCode])
    expect(await codesOf(await repackaged(fixtureName, { [mainPart]: undefined }))).toEqual([invalidCode])
    expect(await codesOf(await repackaged(fixtureName, { [mainPart]: "<?xml version=\"1.0\"?><a><b></a>" }))).toEqual([invalidCode])
    const laughs = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "ja"><!ENTITY b "&a;&a;&a;&a;">]><d>&b;</d>`
    expect(await codesOf(await repackaged(fixtureName, { [mainPart]: laughs }))).toEqual(["xml-unsafe"])
    // 4 MB of one byte compresses to a few kilobytes; with a 64 KiB document limit the parts may unpack to 512 KiB.
    expect(await codesOf(await repackaged(fixtureName, { [mainPart]: Buffer.alloc(4 * 1024 * 1024, 0x20) }), 64 * 1024)).toEqual(["too-large"])
  })
}

describe("HTML reader", () => {
  it("keeps a saved page's main content, headings and list items as paragraphs, and leaves its navigation and footer out", async () => {
    const { documents, rejections } = await read(join(here, "udhr-spa.html"))
    expect(rejections).toEqual([])
    expect(documents).toHaveLength(1)
    const text = documents[0]!.text
    expectEverySourceParagraph(text)
    for (const boilerplate of ["Biblioteca digital", "Contacto institucional", "Aviso legal del portal", "Pie de página del sitio"]) expect(text).not.toContain(boilerplate)
  })

  it("takes title, author, date and language from the page's head without overriding declared fields", async () => {
    const fromPage = (await read(join(here, "udhr-spa.html"))).documents[0]!.fields
    expect(fromPage).toMatchObject({ title: "Declaración Universal de Derechos Humanos", creators: ["Asamblea General de las Naciones Unidas"], created: "1948-12-10", language: "spa" })
    const declared = (await read(join(here, "udhr-spa.html"), { title: "DUDH", created: "2001" })).documents[0]!.fields
    expect(declared).toMatchObject({ title: "DUDH", created: "2001", language: "spa" })
  })

  it("excludes a file that is not an HTML page, and a page with no text, each with its reason", async () => {
    const binary = await read(broken("scan.html", new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02, 0x00, 0x3c, 0x61])))
    expect(binary.documents).toEqual([])
    expect(binary.rejections.map((r) => r.code)).toEqual(["html-invalid"])
    const empty = await read(broken("vacia.html", "<html><head><title>x</title></head><body><nav><a href='/'>Inicio</a></nav></body></html>"))
    expect(empty.documents).toEqual([])
    expect(empty.rejections.map((r) => r.code)).toEqual(["html-invalid"])
    const deep = await read(broken("anidada.html", `<html><body>${"<div>".repeat(2000)}<p>${"texto ".repeat(50)}</p>${"</div>".repeat(2000)}</body></html>`))
    expect(deep.documents).toEqual([])
    expect(deep.rejections.map((r) => r.code)).toEqual(["html-invalid"])
    expect(deep.rejections[0]!.detail).toContain("ACERVO_MAX_XML_DEPTH")
  })
})

describe("DOCX reader", () => {
  it("reads the body with headings and list items as paragraphs, tracked deletions and comments out", async () => {
    const { documents, rejections } = await read(join(here, "udhr-spa.docx"))
    expect(rejections).toEqual([])
    expect(documents).toHaveLength(1)
    const text = documents[0]!.text
    expectEverySourceParagraph(text)
    expect(text).not.toContain("TEXTO BORRADO")
    expect(text).not.toContain("COMENTARIO DEL REVISOR")
  })

  it("takes title, creator, created and language from the core properties under declared fields", async () => {
    const core = (await readZipEntries(join(here, "udhr-spa.docx"), (n) => n === "docProps/core.xml", { maxUnpackedBytes: 1 << 20, maxEntries: 100 })).get("docProps/core.xml")!.toString()
    const created = /<dcterms:created[^>]*>(\d{4}-\d{2}-\d{2})/.exec(core)![1]
    const fields = (await read(join(here, "udhr-spa.docx"))).documents[0]!.fields
    expect(fields).toMatchObject({ title: "Declaración Universal de Derechos Humanos", creators: ["Asamblea General de las Naciones Unidas"], created, language: "spa" })
    const declared = (await read(join(here, "udhr-spa.docx"), { title: "DUDH", creators: ["ONU"] })).documents[0]!.fields
    expect(declared).toMatchObject({ title: "DUDH", creators: ["ONU"] })
  })

  it("never unpacks the media: a large image does not count against the bound", async () => {
    const withImage = await repackaged("udhr-spa.docx", { "word/media/image1.png": Buffer.alloc(4 * 1024 * 1024, 0x20) })
    const { documents, rejections } = await read(withImage, {}, 64 * 1024)
    expect(rejections).toEqual([])
    expectEverySourceParagraph(documents[0]!.text)
  })

  brokenPackages("udhr-spa.docx", "word/document.xml", "docx-invalid")
})

describe("ODT reader", () => {
  it("reads content.xml's paragraphs, headings and list items in order", async () => {
    const { documents, rejections } = await read(join(here, "udhr-spa.odt"))
    expect(rejections).toEqual([])
    expect(documents).toHaveLength(1)
    expectEverySourceParagraph(documents[0]!.text)
  })

  it("leaves a tracked deletion and a comment out of the text", async () => {
    const content = (await readZipEntries(join(here, "udhr-spa.odt"), (n) => n === "content.xml", { maxUnpackedBytes: 1 << 20, maxEntries: 100 })).get("content.xml")!.toString()
    const tracked = '<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><office:change-info><dc:creator>Revisor</dc:creator><dc:date>2024-05-01T10:00:00</dc:date></office:change-info><text:p>TEXTO BORRADO POR EL REVISOR</text:p></text:deletion></text:changed-region></text:tracked-changes>'
    const edited = content
      .replace("<office:text>", `<office:text>${tracked}`)
      .replace("Todos los seres humanos nacen libres", 'Todos los seres humanos <text:change text:change-id="ct1"/>nacen libres<office:annotation><dc:creator>Revisor</dc:creator><text:p>COMENTARIO DEL REVISOR</text:p></office:annotation>')
    expect(edited).toContain("COMENTARIO DEL REVISOR")
    const { documents } = await read(await repackaged("udhr-spa.odt", { "content.xml": edited }))
    const text = documents[0]!.text
    expectEverySourceParagraph(text)
    expect(text).not.toContain("TEXTO BORRADO")
    expect(text).not.toContain("COMENTARIO DEL REVISOR")
  })

  it("takes title, creator, created and language from meta.xml under declared fields", async () => {
    const fields = (await read(join(here, "udhr-spa.odt"))).documents[0]!.fields
    expect(fields).toMatchObject({ title: "Declaración Universal de Derechos Humanos", creators: ["Asamblea General de las Naciones Unidas"], language: "spa" })
    expect(fields.created).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect((await read(join(here, "udhr-spa.odt"), { language: "por" })).documents[0]!.fields.language).toBe("por")
  })

  brokenPackages("udhr-spa.odt", "content.xml", "odt-invalid")
})

describe("EPUB reader", () => {
  it("reads the spine's XHTML documents, headings and list items as paragraphs", async () => {
    const { documents, rejections } = await read(join(here, "udhr-spa.epub"))
    expect(rejections).toEqual([])
    expect(documents).toHaveLength(1)
    expectEverySourceParagraph(documents[0]!.text)
  })

  it("follows the spine's order, not the order of the files in the zip", async () => {
    const opf = (await readZipEntries(join(here, "udhr-spa.epub"), (n) => n === "EPUB/content.opf", { maxUnpackedBytes: 1 << 20, maxEntries: 100 })).get("EPUB/content.opf")!.toString()
    const itemrefs = opf.match(/<itemref [^>]*\/>/g)!
    const reversed = opf.replace(itemrefs.join("\n    "), [...itemrefs].reverse().join("\n    "))
    expect(reversed).not.toBe(opf)
    const text = (await read(await repackaged("udhr-spa.epub", { "EPUB/content.opf": reversed }))).documents[0]!.text
    expect(text.indexOf("Artículo 4")).toBeGreaterThanOrEqual(0)
    expect(text.indexOf("Artículo 4")).toBeLessThan(text.indexOf("Preámbulo"))
  })

  it("takes title, creator, date and language from the package's Dublin Core under declared fields", async () => {
    const fields = (await read(join(here, "udhr-spa.epub"))).documents[0]!.fields
    expect(fields).toMatchObject({ title: "Declaración Universal de Derechos Humanos", creators: ["Asamblea General de las Naciones Unidas"], created: "1948-12-10", language: "spa" })
    expect((await read(join(here, "udhr-spa.epub"), { created: "2020" })).documents[0]!.fields.created).toBe("2020")
  })

  it("reads an EPUB 2 chapter that uses HTML's named entities (&nbsp;, &eacute;), and still refuses an undefined one", async () => {
    const chapter = (await readZipEntries(join(here, "udhr-spa.epub"), (n) => n === "EPUB/text/ch003.xhtml", { maxUnpackedBytes: 1 << 20, maxEntries: 100 })).get("EPUB/text/ch003.xhtml")!.toString()
    const withEntities = chapter.replace("Todos los seres humanos", "Todos&nbsp;los seres humanos &AMP; &eacute;l")
    expect(withEntities).not.toBe(chapter)
    const text = (await read(await repackaged("udhr-spa.epub", { "EPUB/text/ch003.xhtml": withEntities }))).documents[0]!.text
    // White space inside a paragraph, the no-break space included, is one space.
    expect(text).toContain("Todos los seres humanos & él nacen libres")
    expect(await codesOf(await repackaged("udhr-spa.epub", { "EPUB/text/ch003.xhtml": chapter.replace("Todos", "&inventada;") }))).toEqual(["xml-unsafe"])
  })

  brokenPackages("udhr-spa.epub", "EPUB/content.opf", "epub-invalid")

  it("excludes a book whose spine names a file it does not hold", async () => {
    expect(await codesOf(await repackaged("udhr-spa.epub", { "EPUB/text/ch003.xhtml": undefined }))).toEqual(["epub-invalid"])
  })
})
