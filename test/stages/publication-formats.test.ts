import { Chunk, Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import { readerFor } from "../../stages/ingest/readers/index.ts"
import type { FileToRead } from "../../stages/ingest/reader.ts"
import { tempDir } from "../helpers.ts"

const here = join(import.meta.dirname, "../fixtures/formats/publication")

const read = async (storedPath: string, fields: DocumentFields = {}) => {
  const file: FileToRead = {
    fileId: 7, institution: "biblioteca-demo", batchId: "b", batchSeq: 1, path: storedPath.split("/").pop()!, storedPath,
    sha256: "", bytes: statSync(storedPath).size, documentId: undefined, fields, doneUnits: 0
  }
  const reader = readerFor(file.path)
  if (!reader) throw new Error(`no reader for ${file.path}`)
  const items = await Effect.runPromise(Stream.runCollect(reader.read(file, { maxDocumentBytes: 16 * 1024 * 1024, maxDepth: 256 })).pipe(Effect.map(Chunk.toArray)))
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
  })
})
