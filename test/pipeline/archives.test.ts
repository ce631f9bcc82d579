import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import type { ArchiveRefused } from "../../pipeline/errors.ts"
import { sampleBatches, tempDir } from "../helpers.ts"
import { paxHeader, rawTar, rawZip, tarEnd, tarHeader, zipEnd, zipEntryParts, type RawTarEntry, type RawZipEntry } from "../archives.ts"
import { expectNothingRegistered, registered, submitIn } from "./submit-helpers.ts"

/** A batch without a document list: every file in it is a document, so a dropped file goes unnoticed. */
const manifest = Buffer.from(
  JSON.stringify({
    format: "acervo-batch/1",
    institution: "universidad-demo",
    id: "lote-archivo",
    defaults: { license: "CC-PDM-1.0", consent: { basis: "public-domain", reference: "OHCHR UDHR", scope: ["pretraining"] }, kind: "academic" }
  })
)
const preambulo = readFileSync(join(sampleBatches, "universidad-udhr", "preambulo.md"))
const artigo = readFileSync(join(sampleBatches, "universidad-udhr", "artigo-1-pt.md"))

/** The three files of a small batch, under `lote/`. */
const batchFiles = (extra: ReadonlyArray<RawZipEntry & RawTarEntry> = []): Array<RawZipEntry & RawTarEntry> => [
  { name: "lote/batch.json", data: manifest },
  { name: "lote/preambulo.md", data: preambulo },
  { name: "lote/artigo-1-pt.md", data: artigo },
  ...extra
]

const write = (name: string, bytes: Buffer) => {
  const path = join(tempDir(), name)
  writeFileSync(path, bytes)
  return path
}

/** Submits on a fresh home, checks that nothing was registered, stored or left in staging, and returns the refusal. */
const refusal = async (archive: string): Promise<ArchiveRefused> => {
  const home = tempDir()
  const result = await submitIn(home, archive)
  await expectNothingRegistered(home)
  const error = Either.isLeft(result) ? result.left : undefined
  expect(error?._tag, error?.message).toBe("ArchiveRefused")
  return error as ArchiveRefused
}

const registers = async (archive: string) => {
  const home = tempDir()
  const result = await submitIn(home, archive)
  expect(Either.isRight(result), Either.isLeft(result) ? result.left.message : "").toBe(true)
  const [batch] = await registered(home)
  return batch!.stored_path
}

const blocks = (entries: ReadonlyArray<RawTarEntry>) => rawTar(entries, { end: false }).length

describe("truncated tar archives", () => {
  const whole = rawTar(batchFiles())
  const afterTwo = blocks(batchFiles().slice(0, 2))

  it("refuses a tar cut inside a header, which used to register the files before the cut", async () => {
    const error = await refusal(write("cut.tar", whole.subarray(0, afterTwo + 100)))
    expect(error.code).toBe("archive-damaged")
    expect(error.message).toContain("cut short inside a header")
    expect(error.message).toContain('after entry "lote/preambulo.md"')
    expect(error.message).toContain("create the archive again")
  })

  it("refuses the same cut inside a .tar.gz whose gzip layer is intact", async () => {
    const error = await refusal(write("cut.tar.gz", gzipSync(whole.subarray(0, afterTwo + 300))))
    expect(error.code).toBe("archive-damaged")
  })

  it("refuses a tar cut at a block boundary, without its end-of-archive marker", async () => {
    const error = await refusal(write("cut.tar", whole.subarray(0, afterTwo)))
    expect(error.code).toBe("archive-damaged")
    expect(error.message).toContain("end-of-archive marker")
  })

  it("refuses a tar cut inside a file's data, naming the file", async () => {
    const error = await refusal(write("cut.tar", whole.subarray(0, afterTwo + 512 + 10)))
    expect(error).toMatchObject({ code: "archive-damaged", entry: "lote/artigo-1-pt.md" })
  })

  it("refuses data after the end-of-archive marker, which tar --ignore-zeros would read as more files", async () => {
    const hidden = rawTar([{ name: "lote/oculto.md", data: Buffer.from("# oculto\n") }])
    const error = await refusal(write("hidden.tar", Buffer.concat([whole, hidden])))
    expect(error.code).toBe("archive-hidden-data")
  })

  it("refuses a header whose checksum is wrong", async () => {
    const bytes = Buffer.from(whole)
    const at = blocks(batchFiles().slice(0, 1)) + 3
    bytes[at] = bytes[at]! ^ 0x20
    expect((await refusal(write("bad.tar", bytes))).code).toBe("archive-damaged")
  })

  it("still registers a whole tar, with or without zero padding after its end marker", async () => {
    await registers(write("ok.tar", whole))
    await registers(write("padded.tar.gz", gzipSync(Buffer.concat([whole, Buffer.alloc(8192)]))))
  })
})

describe("entries that unpack to the same path", () => {
  const tarOf = (names: ReadonlyArray<string>) => write("dup.tar", rawTar(batchFiles(names.map((name, i) => ({ name, data: Buffer.from(`copia ${i}\n`) })))))
  const zipOf = (names: ReadonlyArray<string>) => write("dup.zip", rawZip(batchFiles(names.map((name, i) => ({ name, data: Buffer.from(`copia ${i}\n`) })))))

  const cases: ReadonlyArray<[string, ReadonlyArray<string>, string]> = [
    ["the same name twice", ["lote/textos/a.md", "lote/textos/a.md"], "appears twice"],
    ["a name with a ./ segment", ["lote/textos/a.md", "lote/./textos/a.md"], 'same path as "lote/textos/a.md"'],
    ["a doubled slash", ["lote/textos/a.md", "lote/textos//a.md"], 'same path as "lote/textos/a.md"'],
    ["names that differ only by case", ["lote/textos/Acta.md", "lote/textos/acta.md"], 'same path as "lote/textos/Acta.md"'],
    ["NFC and NFD spellings of one name", ["lote/textos/canci\u00f3n.md", "lote/textos/cancio\u0301n.md"], "same path as"],
    ["a file that is also a folder", ["lote/textos", "lote/textos/a.md"], 'folder "lote/textos" is also a file']
  ]

  for (const [what, names, says] of cases) {
    it(`refuses ${what} in a tar`, async () => {
      const error = await refusal(tarOf(names))
      expect(error).toMatchObject({ code: "archive-duplicate-entry", entry: names[1]!.normalize() === names[1] ? names[1] : expect.any(String) })
      expect(error.message).toContain(says)
      expect(error.message).toMatch(/remove or rename one|rename one of them/)
    })
  }

  it("refuses a duplicated name in a zip, naming it", async () => {
    const error = await refusal(zipOf(["lote/textos/a.md", "lote/textos/a.md"]))
    expect(error).toMatchObject({ code: "archive-duplicate-entry", entry: "lote/textos/a.md" })
  })

  it("refuses zip names that differ only by case or by a ./ segment", async () => {
    expect((await refusal(zipOf(["lote/Acta.md", "lote/acta.md"]))).code).toBe("archive-duplicate-entry")
    expect((await refusal(zipOf(["lote/acta.md", "lote/./acta.md"]))).code).toBe("archive-duplicate-entry")
  })

  it("refuses a duplicate batch.json, the file whose last copy would decide what is registered", async () => {
    const error = await refusal(write("dup.tar", rawTar([...batchFiles(), { name: "lote/batch.json", data: Buffer.from("{}") }])))
    expect(error).toMatchObject({ code: "archive-duplicate-entry", entry: "lote/batch.json" })
  })

  it("accepts a folder listed both explicitly and through its files", async () => {
    await registers(write("dirs.tar", rawTar([{ name: "lote/", type: "5" }, { name: "lote/textos/", type: "5" }, ...batchFiles([{ name: "lote/textos/a.md", data: preambulo }])])))
  })
})

describe("names cut at a NUL", () => {
  const field = (text: string) => {
    const bytes = Buffer.alloc(100)
    Buffer.from(text, "latin1").copy(bytes)
    return bytes
  }

  it("refuses a tar name field that goes on after its NUL", async () => {
    const error = await refusal(write("nul.tar", rawTar([...batchFiles(), { name: "", nameField: field("lote/textos/a.md\u0000.exe"), data: preambulo }])))
    expect(error).toMatchObject({ code: "archive-name-nul", entry: "lote/textos/a.md\\x00.exe" })
    expect(error.message).toContain("rename the file")
  })

  it("refuses a pax path holding a NUL", async () => {
    const error = await refusal(write("nul.tar", rawTar([...batchFiles(), paxHeader({ path: "lote/a.md\u0000b.md" }), { name: "lote/a.md", data: preambulo }])))
    expect(error).toMatchObject({ code: "archive-name-nul" })
  })

  it("refuses a GNU long name holding a NUL before its end", async () => {
    const long = Buffer.from(`lote/${"x".repeat(120)}.md\u0000otro.md\u0000`)
    const error = await refusal(write("nul.tar", rawTar([...batchFiles(), { name: "././@LongLink", type: "L", data: long }, { name: "lote/xxx", data: preambulo }])))
    expect(error.code).toBe("archive-name-nul")
  })

  it("refuses a zip name holding a NUL", async () => {
    const error = await refusal(write("nul.zip", rawZip(batchFiles([{ name: "lote/a.md\u0000.exe", data: preambulo }]))))
    expect(error).toMatchObject({ code: "archive-name-nul", entry: "lote/a.md\\x00.exe" })
  })

  it("accepts a GNU long name and a pax path, NUL-terminated as tar writes them", async () => {
    const longName = `lote/${"capitulo-".repeat(14)}1.md`
    const stored = await registers(
      write(
        "long.tar",
        rawTar([
          ...batchFiles(),
          { name: "././@LongLink", type: "L", data: Buffer.from(`${longName}\u0000`) },
          { name: longName.slice(0, 99), data: preambulo },
          paxHeader({ path: "lote/pax/artículo.md" }),
          { name: "lote/pax/articulo.md", data: artigo }
        ])
      )
    )
    expect(existsSync(join(stored, longName.slice(5)))).toBe(true)
    expect(existsSync(join(stored, "pax", "artículo.md"))).toBe(true)
  })
})

describe("names that are not UTF-8", () => {
  it("refuses a tar name in Latin-1, which would be read with a replacement character", async () => {
    const error = await refusal(write("latin1.tar", rawTar(batchFiles([{ name: Buffer.from("lote/canci\xf3n.md", "latin1"), data: preambulo }]))))
    expect(error).toMatchObject({ code: "archive-name-encoding", entry: "lote/canci\\xf3n.md" })
    expect(error.message).toContain("UTF-8")
  })

  it("refuses a pax path that is not UTF-8, and a pax header declaring binary names", async () => {
    const bad = rawTar([...batchFiles(), paxHeader({ path: Buffer.from("lote/a\xe9.md", "latin1") }), { name: "lote/a.md", data: preambulo }])
    expect((await refusal(write("pax.tar", bad))).code).toBe("archive-name-encoding")
    const binary = rawTar([...batchFiles(), paxHeader({ hdrcharset: "BINARY" }), { name: "lote/a.md", data: preambulo }])
    expect((await refusal(write("binary.tar", binary))).code).toBe("archive-name-encoding")
  })

  it("refuses a zip name flagged UTF-8 whose bytes are not", async () => {
    const error = await refusal(write("bad.zip", rawZip(batchFiles([{ name: Buffer.from("lote/canci\xf3n.md", "latin1"), data: preambulo, utf8Flag: true }]))))
    expect(error).toMatchObject({ code: "archive-name-encoding", entry: "lote/canci\\xf3n.md" })
  })

  it("refuses an unflagged zip name in a DOS code page (CP437 by the spec, CP850 from Spanish Windows)", async () => {
    const error = await refusal(write("dos.zip", rawZip(batchFiles([{ name: Buffer.from([...Buffer.from("lote/canci"), 0xa2, ...Buffer.from("n.md")]), data: preambulo, utf8Flag: false }]))))
    expect(error.code).toBe("archive-name-encoding")
    expect(error.message).toContain("CP437")
    expect(error.message).toContain("7-Zip")
  })

  it("reads an unflagged zip name that is valid UTF-8 (as macOS writes them) as UTF-8, and a flagged one", async () => {
    const stored = await registers(
      write(
        "mac.zip",
        rawZip(
          batchFiles([
            { name: Buffer.from("lote/canción.md"), data: preambulo, utf8Flag: false },
            { name: "lote/artículo.md", data: artigo, utf8Flag: true }
          ])
        )
      )
    )
    expect(existsSync(join(stored, "canción.md"))).toBe(true)
    expect(existsSync(join(stored, "artículo.md"))).toBe(true)
  })
})

describe("zip headers that disagree", () => {
  it("refuses an entry whose local header names another file than the central directory", async () => {
    const error = await refusal(write("mismatch.zip", rawZip(batchFiles([{ name: "lote/a.md", localName: "lote/batch.json", data: Buffer.from("{}") }]))))
    expect(error).toMatchObject({ code: "archive-header-mismatch", entry: "lote/a.md" })
    expect(error.message).toContain('local header names it "lote/batch.json"')
    expect(error.message).toContain("create the archive again")
  })

  it("refuses a local name that differs only in its bytes' encoding flag reading", async () => {
    const entry: RawZipEntry = { name: "lote/canción.md", localName: Buffer.from("lote/canci\xf3n.md", "latin1"), data: preambulo }
    expect((await refusal(write("mismatch.zip", rawZip(batchFiles([entry]))))).code).toBe("archive-header-mismatch")
  })

  it("refuses a local header that declares another size than the central directory", async () => {
    const error = await refusal(write("sizes.zip", rawZip(batchFiles([{ name: "lote/a.md", data: preambulo, localDeclaredSize: 3 }]))))
    expect(error).toMatchObject({ code: "archive-header-mismatch", entry: "lote/a.md" })
  })

  it("refuses bytes between entries that the central directory does not list", async () => {
    const hidden = zipEntryParts({ name: "lote/oculto.md", data: Buffer.from("# oculto\n") })
    const files = batchFiles()
    const error = await refusal(write("hidden.zip", rawZip([{ ...files[0]!, bytesAfter: Buffer.concat([hidden.local, hidden.payload]) }, ...files.slice(1)])))
    expect(error.code).toBe("archive-hidden-data")
    expect(error.message).toContain('after entry "lote/batch.json"')
  })

  it("refuses entries that overlap (one entry's data holding another entry), the shape of a better zip bomb", async () => {
    const inner = zipEntryParts({ name: "lote/b.md", data: preambulo })
    const innerBytes = Buffer.concat([inner.local, inner.payload])
    const outer = zipEntryParts({ name: "lote/a.md", data: innerBytes, deflate: false })
    const manifestParts = zipEntryParts({ name: "lote/batch.json", data: manifest })
    const start = manifestParts.local.length + manifestParts.payload.length
    const directory = Buffer.concat([manifestParts.central(0), outer.central(start), inner.central(start + outer.local.length)])
    const bytes = Buffer.concat([manifestParts.local, manifestParts.payload, outer.local, outer.payload, directory, zipEnd(3, directory.length, start + outer.local.length + outer.payload.length)])
    const error = await refusal(write("overlap.zip", bytes))
    expect(error).toMatchObject({ code: "archive-bomb", entry: "lote/b.md" })
  })
})

describe("bombs, counted on the bytes actually inflated", () => {
  const zeros = Buffer.alloc(40 * 1024 * 1024)

  it("refuses a .tar.gz bomb as a bomb, while streaming", async () => {
    const archive = write("bomb.tar.gz", gzipSync(rawTar(batchFiles([{ name: "lote/ceros.txt", data: zeros }])), { level: 9 }))
    expect(readFileSync(archive).length).toBeLessThan(200 * 1024)
    const error = await refusal(archive)
    expect(error).toMatchObject({ code: "archive-bomb", entry: "lote/ceros.txt" })
    expect(error.message).toContain("ACERVO_MAX_ARCHIVE_RATIO")
  })

  it("refuses a .tar.gz whose expansion hides in zero padding after the end marker, which no header declares", async () => {
    const archive = write("padding.tar.gz", gzipSync(Buffer.concat([rawTar(batchFiles()), zeros]), { level: 9 }))
    expect((await refusal(archive)).code).toBe("archive-bomb")
  })

  it("refuses a tar header that declares fewer bytes than follow it: the rest is read as a header, and fails", async () => {
    const lying = Buffer.concat([rawTar(batchFiles(), { end: false }), tarHeader({ name: "lote/texto.md", declaredSize: 10 }), Buffer.from("x".repeat(2048)), tarEnd])
    const error = await refusal(write("lying.tar.gz", gzipSync(lying)))
    expect(error.code).toBe("archive-damaged")
    expect(error.message).toContain('after entry "lote/texto.md"')
  })

  it("refuses a zip whose headers declare less than its data inflates to, at the first byte past the declaration", async () => {
    const error = await refusal(write("lying.zip", rawZip(batchFiles([{ name: "lote/ceros.txt", data: zeros.subarray(0, 8 * 1024 * 1024), declaredSize: 100 }]))))
    expect(error).toMatchObject({ code: "archive-damaged", entry: "lote/ceros.txt" })
    expect(error.message).toContain("more than the 100 bytes its headers declare")
  })

  it("refuses a zip whose declared total passes ACERVO_MAX_ARCHIVE_BYTES before inflating anything", async () => {
    const error = await refusal(write("big.zip", rawZip(batchFiles([{ name: "lote/ceros.txt", data: Buffer.alloc(10), declaredSize: 0xfffffff0, compressed: Buffer.alloc(0) }]))))
    expect(error).toMatchObject({ code: "archive-too-large", entry: "lote/ceros.txt" })
    expect(error.message).toContain("its entries declare more than")
  })
})
