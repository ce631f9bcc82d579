import { Chunk, Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { readerFor } from "../../stages/ingest/readers/index.ts"
import type { FileToRead, IngestItem } from "../../stages/ingest/reader.ts"
import { fixture, sampleBatches, tempDir } from "../helpers.ts"

const fileAt = (storedPath: string, path = storedPath, extra: Partial<FileToRead> = {}): FileToRead => ({
  fileId: 7, institution: "inst", batchId: "b1", batchSeq: 1, path, storedPath, sha256: "x",
  bytes: statSync(storedPath).size, documentId: undefined, fields: { license: "CC-BY-4.0" }, doneUnits: 0, ...extra
})

const readAll = (file: FileToRead, maxDocumentBytes = 16 * 1024 * 1024): Promise<Array<IngestItem>> => {
  const reader = readerFor(file.path, file.fields.reader)
  if (!reader) throw new Error(`no reader for ${file.path}`)
  return Effect.runPromise(Stream.runCollect(reader.read(file, { maxDocumentBytes, maxDepth: 256 })).pipe(Effect.map(Chunk.toArray)))
}

describe("plain text reader", () => {
  it("reads the Latin-1 AVENUE transcript as one document with its encoding", async () => {
    const items = await readAll(fileAt(fixture("avenue", "nmdch-nfbat2.raw-latin1.txt"), "t/nmdch-nfbat2.txt", { documentId: "nfbat2" }))
    expect(items.map((i) => i._tag)).toEqual(["Document", "FileDone"])
    const doc = items[0]!
    if (doc._tag !== "Document") throw new Error()
    expect(doc.document.encoding).toBe("windows-1252")
    expect(doc.document.source).toMatchObject({ institution: "inst", batch: "b1", document: "nfbat2", path: "t/nmdch-nfbat2.txt", line: 0 })
    expect(doc.document.text).toContain("M: ")
    expect(doc.document.fields.license).toBe("CC-BY-4.0")
  })

  it("excludes an empty file, damaged UTF-8 and a file over the size limit, each with a reason", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "empty.txt"), "")
    const good = Buffer.from("Artículo 1. Todos los seres humanos nacen libres e iguales en dignidad y derechos, dotados de razón y conciencia.")
    writeFileSync(join(dir, "broken.txt"), Buffer.concat([good.subarray(0, 30), Buffer.from([0xc3, 0x28]), good.subarray(30)]))
    writeFileSync(join(dir, "big.md"), "x".repeat(5000))
    const reason = async (name: string, limit?: number) => {
      const [item] = await readAll(fileAt(join(dir, name), name), limit)
      return item!._tag === "Rejected" ? item!.reason : undefined
    }
    expect(await reason("empty.txt")).toMatchObject({ stage: "ingest", code: "empty-file" })
    expect(await reason("broken.txt")).toMatchObject({ code: "invalid-utf8" })
    expect((await reason("broken.txt"))!.detail).toContain("byte 30")
    expect(await reason("big.md", 1000)).toMatchObject({ code: "too-large" })
  })
})

describe("JSONL reader", () => {
  it("reads the gzipped Rapa Nui sample line by line with per-line fields over the file's", async () => {
    const stored = join(sampleBatches, "rapanui-kieviet", "oraciones.jsonl.gz")
    const items = await readAll(fileAt(stored, "oraciones.jsonl.gz"))
    const docs = items.flatMap((i) => (i._tag === "Document" ? [i.document] : []))
    expect(docs).toHaveLength(9)
    expect(docs[0]!.source).toMatchObject({ document: "kieviet-1", line: 1 })
    expect(docs[0]!.text).toContain("ꞌ")
    expect(docs[8]!.fields.license).toBe("LicenseRef-fondo-privado")
    expect(docs[0]!.fields.license).toBe("CC-BY-4.0")
    expect(items.at(-1)).toEqual({ _tag: "FileDone", fileId: 7, units: 9 })
  })

  it("turns each bad line into a reason and keeps reading", async () => {
    const dir = tempDir()
    const lines = [
      JSON.stringify({ text: "Marimari lamngen, ¿chumleymi?", language: "arn" }),
      "{not json",
      JSON.stringify({ txt: "falta el campo text" }),
      "",
      JSON.stringify({ text: "   " }),
      JSON.stringify({ text: "Olá, tudo bem?", licence: "CC0-1.0" })
    ]
    const body = Buffer.concat([Buffer.from(lines.join("\n") + "\n"), Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a])])
    writeFileSync(join(dir, "mixed.jsonl"), body)
    const items = await readAll(fileAt(join(dir, "mixed.jsonl"), "mixed.jsonl"))
    const summary = items.map((i) => (i._tag === "Document" ? `doc@${i.document.source.line}` : i._tag === "Rejected" ? `${i.reason.code}@${i.document.source.line}` : "done"))
    expect(summary).toEqual(["doc@1", "invalid-json@2", "invalid-record@3", "empty-document@5", "invalid-record@6", "invalid-utf8@7", "done"])
    const unknownField = items[4]
    if (unknownField?._tag !== "Rejected") throw new Error()
    expect(unknownField.reason.detail).toContain('unknown field "licence"')
    expect(unknownField.reason.detail).toContain('spelled "license"')
  })

  it("skips a line over the size limit without holding it, and resumes after committed lines", async () => {
    const dir = tempDir()
    const long = JSON.stringify({ text: "a".repeat(300_000) })
    writeFileSync(join(dir, "long.jsonl.gz"), gzipSync([JSON.stringify({ text: "uno" }), long, JSON.stringify({ text: "tres" })].join("\n")))
    const items = await readAll(fileAt(join(dir, "long.jsonl.gz"), "long.jsonl.gz"), 100_000)
    expect(items.map((i) => (i._tag === "Rejected" ? i.reason.code : i._tag))).toEqual(["Document", "too-large", "Document", "FileDone"])
    const resumed = await readAll(fileAt(join(dir, "long.jsonl.gz"), "long.jsonl.gz", { doneUnits: 2 }), 100_000)
    expect(resumed.map((i) => (i._tag === "Document" ? i.document.text : i._tag))).toEqual(["tres", "FileDone"])
    expect(readFileSync(join(dir, "long.jsonl.gz")).length).toBeGreaterThan(0)
  })
})
