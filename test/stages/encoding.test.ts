import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { decodeText, repairMojibake } from "../../stages/ingest/encoding.ts"
import { fixture } from "../helpers.ts"

const decoded = (bytes: Uint8Array) => {
  const r = decodeText(bytes)
  if (r._tag !== "Decoded") throw new Error(`expected text, got ${r._tag}`)
  return r
}

describe("encoding detection", () => {
  it("reads the AVENUE Latin-1 transcript as Windows-1252 and gets the same text as the corpus authors' UTF-8 copy", () => {
    const raw = decoded(readFileSync(fixture("avenue", "nmdch-nfbat2.raw-latin1.txt")))
    expect(raw.encoding).toBe("windows-1252")
    expect(raw.text).toContain("¿")
    expect(raw.text).toMatch(/ü/)
    const clean = decoded(readFileSync(fixture("avenue", "nmdch-nfbat2.clean-utf8.txt")))
    expect(clean.encoding).toBe("utf-8")
    // Both spell the same Mapudungun words with ü once decoded.
    const words = (t: string) => new Set(t.match(/\p{L}*ü\p{L}*/gu))
    const shared = [...words(raw.text)].filter((w) => words(clean.text).has(w))
    expect(shared.length).toBeGreaterThan(5)
  })

  it("honours UTF-8 and UTF-16 byte order marks", () => {
    const text = "Rapa Nui: ꞌO ira ꞌā he ŋāuru"
    expect(decoded(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual({ _tag: "Decoded", text, encoding: "utf-8-bom" })
    expect(decoded(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]))).toEqual({ _tag: "Decoded", text, encoding: "utf-16le" })
    const be = Buffer.from(text, "utf16le").swap16()
    expect(decoded(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toEqual({ _tag: "Decoded", text, encoding: "utf-16be" })
  })

  it("recognises UTF-16 without a BOM", () => {
    const text = "Considerando que la libertad, la justicia y la paz en el mundo"
    expect(decoded(Buffer.from(text, "utf16le"))).toMatchObject({ text, encoding: "utf-16le" })
  })

  it("reports damaged UTF-8 with the offset of the first bad byte instead of guessing Latin-1", () => {
    const good = Buffer.from("Declaración Universal de Derechos Humanos: artículo, protección, educación.")
    const damaged = Buffer.concat([good.subarray(0, 20), Buffer.from([0xff]), good.subarray(20)])
    const r = decodeText(damaged)
    expect(r).toEqual({ _tag: "InvalidUtf8", invalidSequences: 1, firstOffset: 20 })
  })
})

describe("mojibake repair", () => {
  it("repairs UTF-8 that was read as Latin-1", () => {
    const broken = Buffer.from("La RepÃºblica de Chile y São Paulo: â€œeducaciÃ³nâ€\u009d", "utf8").toString()
    expect(repairMojibake(broken).text).toBe("La República de Chile y São Paulo: “educación”")
    expect(repairMojibake(broken).repaired).toBe(4)
  })

  it("leaves correct text alone, including Latin-1 letters next to punctuation", () => {
    for (const text of ["São Paulo, ¿cómo estás?", "Ñuñoa — «Mapuche» ¡Ü!", "ꞌO ira ꞌā he ŋāuru"]) {
      expect(repairMojibake(text)).toEqual({ text, repaired: 0 })
    }
  })
})
