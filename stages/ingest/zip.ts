import yauzl from "yauzl"

/** Why a DOCX, ODT or EPUB archive could not be opened: `too-large` or the format's `*-invalid`. */
export class ZipRefused extends Error {
  constructor(readonly kind: "too-large" | "invalid", reason: string) {
    super(reason)
  }
}

export interface ZipLimits {
  /** Bytes all the entries read may decompress to, counted as they come, whatever their headers say. */
  readonly maxUnpackedBytes: number
  readonly maxEntries: number
}

/** Markup and styles weigh more than the text they hold: the parts of a document may unpack to this many times the document limit. */
export const unpackedBytesPerTextByte = 8

export const zipLimitsFor = (maxDocumentBytes: number): ZipLimits => ({ maxUnpackedBytes: maxDocumentBytes * unpackedBytesPerTextByte, maxEntries: 10_000 })

/**
 * The entries of a zip-based document (DOCX, ODT, EPUB) whose names `wanted` accepts, in memory.
 * A partner controls the archive: the bytes decompressed are counted across every entry read and
 * the read stops past `maxUnpackedBytes` (a zip bomb), and yauzl checks each entry's size against
 * its header. Anything that is not a readable zip is a `ZipRefused`.
 */
export const readZipEntries = (path: string, wanted: (name: string) => boolean, limits: ZipLimits): Promise<Map<string, Buffer>> =>
  new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true }, (openError, zip) => {
      if (openError || !zip) return reject(new ZipRefused("invalid", `not a readable zip archive: ${openError?.message ?? "unknown"}`))
      const entries = new Map<string, Buffer>()
      let unpacked = 0
      let count = 0
      let done = false
      const fail = (e: ZipRefused) => {
        if (done) return
        done = true
        zip.close()
        reject(e)
      }
      zip.on("error", (e: Error) => fail(new ZipRefused("invalid", `a damaged zip archive: ${e.message}`)))
      zip.on("end", () => {
        if (done) return
        done = true
        resolve(entries)
      })
      zip.on("entry", (entry: yauzl.Entry) => {
        if (done) return
        if (++count > limits.maxEntries) return fail(new ZipRefused("too-large", `more than ${limits.maxEntries} entries in the archive`))
        if (entry.fileName.endsWith("/") || !wanted(entry.fileName)) return zip.readEntry()
        if (unpacked + entry.uncompressedSize > limits.maxUnpackedBytes) {
          return fail(new ZipRefused("too-large", `its parts unpack to more than ${limits.maxUnpackedBytes} bytes (${unpackedBytesPerTextByte} × ACERVO_MAX_DOCUMENT_BYTES); split the document or raise the limit`))
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return fail(new ZipRefused("invalid", `cannot read ${entry.fileName}: ${streamError?.message ?? "unknown"}`))
          const chunks: Array<Buffer> = []
          stream.on("data", (chunk: Buffer) => {
            unpacked += chunk.length
            if (unpacked > limits.maxUnpackedBytes) {
              stream.destroy()
              fail(new ZipRefused("too-large", `its parts unpack to more than ${limits.maxUnpackedBytes} bytes (${unpackedBytesPerTextByte} × ACERVO_MAX_DOCUMENT_BYTES); split the document or raise the limit`))
              return
            }
            chunks.push(chunk)
          })
          stream.on("error", (e: Error) => fail(new ZipRefused("invalid", `cannot read ${entry.fileName}: ${e.message}`)))
          stream.on("end", () => {
            if (done) return
            entries.set(entry.fileName, Buffer.concat(chunks))
            zip.readEntry()
          })
        })
      })
      zip.readEntry()
    })
  })
