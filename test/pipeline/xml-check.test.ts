import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { BatchRejected } from "../../pipeline/errors.ts"
import { copyBatch, tempDir } from "../helpers.ts"
import { expectNothingRegistered, registered, submitIn } from "./submit-helpers.ts"

const tei = (body: string) => `<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/><text><body>${body}</body></text></TEI>`
const xxe = `<?xml version="1.0"?>\n<!DOCTYPE TEI [\n  <!ELEMENT TEI ANY>\n  <!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n${tei("<p>&x;</p>")}`

let batches = 0

/** A copy of a sample batch, under a new id, with one more document, `name`, holding `bytes`. */
const batchWith = (name: string, bytes: Buffer | string) => {
  const dir = copyBatch("universidad-udhr", tempDir())
  writeFileSync(join(dir, name), bytes)
  const manifest = JSON.parse(readFileSync(join(dir, "batch.json"), "utf8"))
  manifest.documents.push({ path: name, id: "carta" })
  manifest.id = `lote-${++batches}`
  writeFileSync(join(dir, "batch.json"), JSON.stringify(manifest))
  return dir
}

const refusedFor = async (name: string, bytes: Buffer | string) => {
  const home = tempDir()
  const result = await submitIn(home, batchWith(name, bytes))
  await expectNothingRegistered(home)
  const error = Either.isLeft(result) ? (result.left as BatchRejected) : undefined
  expect(error?._tag, "the batch should have been refused").toBe("BatchRejected")
  return error!.problems
}

const utf16 = (text: string, order: "le" | "be", bom = true) => {
  const le = Buffer.from(text, "utf16le")
  const bytes = order === "le" ? le : Buffer.from(le.map((_, i) => le[i ^ 1]!))
  return Buffer.concat([bom ? Buffer.from(order === "le" ? [0xff, 0xfe] : [0xfe, 0xff]) : Buffer.alloc(0), bytes])
}

const unsafe = (file: string) => [expect.objectContaining({ code: "xml-unsafe", file, fatal: true })]

describe("submit refuses unsafe XML with the readers' own parser", () => {
  it("refuses an entity declared after another markup declaration in the DOCTYPE", async () => {
    const problems = await refusedFor("carta.xml", xxe)
    expect(problems).toEqual(unsafe("carta.xml"))
    expect(problems[0]!.problem).toContain("declares entities")
    expect(problems[0]!.expected).toContain("ACERVO_MAX_XML_DEPTH")
  })

  it("refuses a DOCTYPE placed after the first 64 KB (behind a long comment)", async () => {
    const late = `<?xml version="1.0"?>\n<!-- ${"relleno ".repeat(10_000)} -->\n<!DOCTYPE TEI [<!ENTITY x "boom">]>\n${tei("<p>&x;</p>")}`
    expect(late.indexOf("<!DOCTYPE")).toBeGreaterThan(64 * 1024)
    expect(await refusedFor("carta.xml", late)).toEqual(unsafe("carta.xml"))
  })

  it("refuses UTF-16 XML, little- and big-endian, with or without a byte order mark", async () => {
    const declared = xxe.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    expect(await refusedFor("carta.xml", utf16(declared, "le"))).toEqual(unsafe("carta.xml"))
    expect(await refusedFor("carta.xml", utf16(declared, "be"))).toEqual(unsafe("carta.xml"))
    expect(await refusedFor("carta.xml", utf16(declared, "le", false))).toEqual(unsafe("carta.xml"))
  })

  it("refuses XML in every extension an XML reader takes, not only .xml and .eaf", async () => {
    for (const name of ["pagina.alto", "pagina.ALTO.XML", "edicion.tei.xml", "entrevista.eaf"]) {
      expect(await refusedFor(name, xxe)).toEqual(unsafe(name))
    }
  })

  it("refuses an entity that is not one of the five XML ones, without any DOCTYPE", async () => {
    const problems = await refusedFor("carta.xml", `<?xml version="1.0"?>${tei("<p>&nbsp;hola</p>")}`)
    expect(problems).toEqual(unsafe("carta.xml"))
    expect(problems[0]!.problem).toContain("undefined entity")
  })

  it("refuses nesting deeper than ACERVO_MAX_XML_DEPTH", async () => {
    const deep = tei(`${"<div>".repeat(300)}<p>hondo</p>${"</div>".repeat(300)}`)
    const problems = await refusedFor("carta.xml", deep)
    expect(problems).toEqual(unsafe("carta.xml"))
    expect(problems[0]!.problem).toContain("deeper than 256 levels")
  })

  it("refuses a billion-laughs document declared in ISO-8859-1", async () => {
    const laughs = `<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${tei("<p>&lol2; canci\xf3n</p>")}`
    expect(await refusedFor("carta.xml", Buffer.from(laughs, "latin1"))).toEqual(unsafe("carta.xml"))
  })

  it("registers safe XML in UTF-16 and in ISO-8859-1, and warns about XML that is not well-formed", async () => {
    const home = tempDir()
    const safe = `<?xml version="1.0" encoding="UTF-16"?>${tei("<p>Todos los seres humanos nacen libres.</p>")}`
    expect(Either.isRight(await submitIn(home, batchWith("carta.xml", utf16(safe, "le"))))).toBe(true)
    const latin1 = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${tei("<p>Declaraci\xf3n universal.</p>")}`, "latin1")
    expect(Either.isRight(await submitIn(home, batchWith("carta.xml", latin1)))).toBe(true)
    const broken = Either.getOrThrow(await submitIn(home, batchWith("carta.xml", `<?xml version="1.0"?>${tei("<p>sin cerrar</body>")}`)))
    expect(broken.warnings).toEqual([expect.objectContaining({ code: "xml-invalid", file: "carta.xml", fatal: false })])
    expect(await registered(home)).toHaveLength(3)
  })

  it("leaves text files alone, even when they hold XML: no reader parses them", async () => {
    const home = tempDir()
    expect(Either.isRight(await submitIn(home, batchWith("ejemplo.txt", xxe)))).toBe(true)
  })
})
