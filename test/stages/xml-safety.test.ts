import { Chunk, Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { readerFor } from "../../stages/ingest/readers/index.ts"
import type { FileToRead } from "../../stages/ingest/reader.ts"
import { checkXmlSafety, xmlEncoding, XmlRefused } from "../../stages/ingest/xml.ts"
import { tempDir } from "../helpers.ts"

const limits = { maxDocumentBytes: 16 * 1024 * 1024, maxDepth: 256 }

const fileAt = (storedPath: string, path: string): FileToRead => ({
  fileId: 1, institution: "inst", batchId: "b1", batchSeq: 1, path, storedPath, sha256: "x",
  bytes: statSync(storedPath).size, documentId: undefined, fields: { license: "CC-BY-4.0" }, doneUnits: 0
})

const read = async (path: string, name: string) => {
  const items = await Effect.runPromise(Stream.runCollect(readerFor(name)!.read(fileAt(path, name), limits)).pipe(Effect.map(Chunk.toArray)))
  return items.filter((i) => i._tag !== "FileDone")
}

const utf16 = (text: string, order: "le" | "be", bom = true) => {
  const le = Buffer.from(text, "utf16le")
  const bytes = order === "le" ? le : Buffer.from(le.map((_, i) => le[i ^ 1]!))
  return Buffer.concat([bom ? Buffer.from(order === "le" ? [0xff, 0xfe] : [0xfe, 0xff]) : Buffer.alloc(0), bytes])
}

const tei = (body: string) => `<TEI><teiHeader/><text><body>${body}</body></text></TEI>`
const xxe = `<?xml version="1.0"?><!DOCTYPE TEI [<!ELEMENT TEI ANY><!ENTITY x SYSTEM "file:///etc/passwd">]>${tei("<p>&x;</p>")}`

describe("XML encodings, decided as XML 1.0 appendix F says", () => {
  it("reads byte order marks, UTF-16 without one, and the declared encoding", () => {
    expect(xmlEncoding(Buffer.from("\ufeff<?xml version='1.0'?><a/>"))).toBe("utf-8")
    expect(xmlEncoding(utf16("<?xml version='1.0'?><a/>", "le"))).toBe("utf-16le")
    expect(xmlEncoding(utf16("<?xml version='1.0'?><a/>", "be"))).toBe("utf-16be")
    expect(xmlEncoding(utf16("<?xml version='1.0'?><a/>", "le", false))).toBe("utf-16le")
    expect(xmlEncoding(utf16("<?xml version='1.0'?><a/>", "be", false))).toBe("utf-16be")
    expect(xmlEncoding(utf16("\n<TEI/>", "le", false))).toBe("utf-16le")
    expect(xmlEncoding(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'))).toBe("windows-1252")
    expect(xmlEncoding(Buffer.from("<a/>"))).toBe("utf-8")
  })

  it("refuses as xml-invalid an encoding it cannot decode, and UTF-16 declared over one-byte text", () => {
    expect(() => xmlEncoding(Buffer.from('<?xml version="1.0" encoding="x-klingon"?><a/>'))).toThrow(XmlRefused)
    expect(() => xmlEncoding(Buffer.from('<?xml version="1.0" encoding="UTF-16"?><a/>'))).toThrow(/not written in it/)
  })
})

describe("checkXmlSafety decides as the readers do", () => {
  const dir = tempDir()
  const cases: ReadonlyArray<[string, string, Buffer | string, "xml-unsafe" | "xml-invalid" | undefined]> = [
    ["an entity after another declaration", "a.xml", xxe, "xml-unsafe"],
    ["UTF-16LE with a byte order mark", "b.xml", utf16(xxe, "le"), "xml-unsafe"],
    ["UTF-16BE without one", "c.xml", utf16(xxe, "be", false), "xml-unsafe"],
    ["ALTO", "d.alto", `<?xml version="1.0"?><!DOCTYPE alto [<!ENTITY e "e">]><alto><Layout/></alto>`, "xml-unsafe"],
    ["ELAN", "e.eaf", `<!DOCTYPE ANNOTATION_DOCUMENT [<!ENTITY e "e">]><ANNOTATION_DOCUMENT/>`, "xml-unsafe"],
    ["an undefined entity", "f.xml", tei("<p>&copy;</p>"), "xml-unsafe"],
    ["nesting past the limit", "g.xml", tei(`${"<div>".repeat(260)}${"</div>".repeat(260)}`), "xml-unsafe"],
    ["XML that is not well-formed", "h.xml", tei("<p>abierto</body>"), "xml-invalid"],
    ["safe UTF-16 TEI", "i.xml", utf16(`<?xml version="1.0" encoding="UTF-16"?>${tei("<p>Artículo 1.</p>")}`, "le"), undefined]
  ]
  for (const [what, name, bytes, code] of cases) {
    it(`${what}: ${code ?? "read"}`, async () => {
      const path = join(dir, name)
      writeFileSync(path, bytes)
      expect((await checkXmlSafety(path, limits))?.code).toBe(code)
      const items = await read(path, name)
      if (code) expect(items.map((i) => (i._tag === "Rejected" ? i.reason.code : i._tag))).toEqual([code])
      else expect(items.map((i) => i._tag)).toEqual(["Document"])
    })
  }

  it("reads UTF-16 and ISO-8859-1 TEI into the same text as UTF-8, recording the encoding", async () => {
    const text = (body: string) => tei(`<p>Declaración ${body}</p>`)
    const inUtf8 = join(dir, "utf8.xml")
    writeFileSync(inUtf8, `<?xml version="1.0"?>${text("universal")}`)
    const inUtf16 = join(dir, "utf16.xml")
    writeFileSync(inUtf16, utf16(`<?xml version="1.0" encoding="UTF-16"?>${text("universal")}`, "be"))
    const inLatin1 = join(dir, "latin1.xml")
    writeFileSync(inLatin1, Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${text("universal")}`, "latin1"))
    const docs = await Promise.all([inUtf8, inUtf16, inLatin1].map(async (p) => (await read(p, "t.xml"))[0]!))
    expect(docs.map((d) => (d._tag === "Document" ? [d.document.text, d.document.encoding] : d._tag))).toEqual([
      ["Declaración universal", "utf-8"],
      ["Declaración universal", "utf-16be"],
      ["Declaración universal", "windows-1252"]
    ])
  })
})
