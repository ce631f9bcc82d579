import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as tar from "tar"
import yazl from "yazl"
import { crc32, deflateRawSync } from "node:zlib"

/** Archives of batch folders for submission tests, built the way partners' tools build them. */
export const tarGz = async (dir: string, out: string) => {
  await tar.c({ gzip: true, file: out, cwd: join(dir, ".."), portable: true }, [dir.split("/").at(-1)!])
  return out
}

export const zipOf = (entries: ReadonlyArray<{ name: string; data: Buffer }>, out: string) =>
  new Promise<string>((resolve, reject) => {
    const zip = new yazl.ZipFile()
    for (const e of entries) zip.addBuffer(e.data, e.name)
    zip.end()
    const chunks: Array<Buffer> = []
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c))
    zip.outputStream.on("end", () => {
      writeFileSync(out, Buffer.concat(chunks))
      resolve(out)
    })
    zip.outputStream.on("error", reject)
  })

export const zipFolder = (dir: string, out: string) => {
  const entries: Array<{ name: string; data: Buffer }> = []
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name)
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`)
      else entries.push({ name: `${prefix}${name}`, data: readFileSync(full) })
    }
  }
  walk(dir, "")
  return zipOf(entries, out)
}

const bytesOf = (value: string | Buffer) => (typeof value === "string" ? Buffer.from(value, "utf8") : value)

/** A zip entry written byte by byte, so that a test can make any field lie. */
export interface RawZipEntry {
  /** The name in the central directory (what yauzl reports). */
  readonly name: string | Buffer
  /** The name in the local file header, when it should differ from the central directory's. */
  readonly localName?: string | Buffer
  readonly data?: Buffer
  /** Deflate the data (method 8); stored (method 0) otherwise. Default: deflate. */
  readonly deflate?: boolean
  /** Already-compressed bytes to write as the entry's data, with `deflate` (for bombs built once). */
  readonly compressed?: Buffer
  /** General-purpose flag bit 11: the name is UTF-8. Default: set when the name is not ASCII. */
  readonly utf8Flag?: boolean
  /** Uncompressed size written in both headers, when it should lie. */
  readonly declaredSize?: number
  /** Uncompressed size in the local header only, to make it disagree with the central directory. */
  readonly localDeclaredSize?: number
  /** Bytes written after the entry's data that the central directory does not list. */
  readonly bytesAfter?: Buffer
  /** Unix mode in the upper 16 bits of the external attributes (e.g. 0o120777 for a symbolic link). */
  readonly unixMode?: number
}

/** One entry's local header (with its name), data and central directory record, to place by hand. */
export const zipEntryParts = (entry: RawZipEntry) => {
  const name = bytesOf(entry.name)
  const localName = entry.localName === undefined ? name : bytesOf(entry.localName)
  const data = entry.data ?? Buffer.alloc(0)
  const deflate = entry.deflate ?? true
  const payload = entry.compressed ?? (deflate ? deflateRawSync(data) : data)
  const size = entry.declaredSize ?? data.length
  const crc = crc32(data)
  const utf8 = entry.utf8Flag ?? /[^\x00-\x7f]/.test(name.toString("latin1"))
  const flags = utf8 ? 0x0800 : 0
  const method = deflate ? 8 : 0
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0)
  local.writeUInt16LE(20, 4)
  local.writeUInt16LE(flags, 6)
  local.writeUInt16LE(method, 8)
  local.writeUInt32LE(0, 10)
  local.writeUInt32LE(crc, 14)
  local.writeUInt32LE(payload.length, 18)
  local.writeUInt32LE(entry.localDeclaredSize ?? size, 22)
  local.writeUInt16LE(localName.length, 26)
  local.writeUInt16LE(0, 28)
  const central = (offset: number) => {
    const record = Buffer.alloc(46)
    record.writeUInt32LE(0x02014b50, 0)
    record.writeUInt16LE((3 << 8) | 20, 4)
    record.writeUInt16LE(20, 6)
    record.writeUInt16LE(flags, 8)
    record.writeUInt16LE(method, 10)
    record.writeUInt32LE(0, 12)
    record.writeUInt32LE(crc, 16)
    record.writeUInt32LE(payload.length, 20)
    record.writeUInt32LE(size, 24)
    record.writeUInt16LE(name.length, 28)
    record.writeUInt32LE(((entry.unixMode ?? (name.at(-1) === 0x2f ? 0o40755 : 0o100644)) << 16) >>> 0, 38)
    record.writeUInt32LE(offset, 42)
    return Buffer.concat([record, name])
  }
  return { local: Buffer.concat([local, localName]), payload, central }
}

/** The end of central directory record. */
export const zipEnd = (entries: number, directoryBytes: number, directoryOffset: number) => {
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries, 8)
  end.writeUInt16LE(entries, 10)
  end.writeUInt32LE(directoryBytes, 12)
  end.writeUInt32LE(directoryOffset, 16)
  return end
}

/** A zip archive built by hand (local headers, data, central directory, end record). */
export const rawZip = (entries: ReadonlyArray<RawZipEntry>): Buffer => {
  const body: Array<Buffer> = []
  const centrals: Array<Buffer> = []
  let offset = 0
  for (const entry of entries) {
    const parts = zipEntryParts(entry)
    const after = entry.bytesAfter ?? Buffer.alloc(0)
    body.push(parts.local, parts.payload, after)
    centrals.push(parts.central(offset))
    offset += parts.local.length + parts.payload.length + after.length
  }
  const directory = Buffer.concat(centrals)
  return Buffer.concat([...body, directory, zipEnd(entries.length, directory.length, offset)])
}

/** A tar entry written byte by byte. */
export interface RawTarEntry {
  readonly name: string | Buffer
  readonly data?: Buffer
  /** Type flag: "0" file (default), "5" folder, "2" symbolic link, "x" pax header, "L" GNU long name. */
  readonly type?: string
  /** The 100-byte name field exactly, instead of `name` padded with NULs. */
  readonly nameField?: Buffer
  readonly linkName?: string
  /** Size written in the header, when it should differ from the data's. */
  readonly declaredSize?: number
}

const octal = (value: number, width: number) => Buffer.from(`${value.toString(8).padStart(width - 1, "0")}\0`, "latin1")

/** One 512-byte ustar header block. */
export const tarHeader = (entry: RawTarEntry): Buffer => {
  const block = Buffer.alloc(512)
  const type = entry.type ?? "0"
  ;(entry.nameField ?? bytesOf(entry.name)).copy(block, 0, 0, 100)
  octal(type === "5" ? 0o755 : 0o644, 8).copy(block, 100)
  octal(0, 8).copy(block, 108)
  octal(0, 8).copy(block, 116)
  octal(entry.declaredSize ?? entry.data?.length ?? 0, 12).copy(block, 124)
  octal(1_700_000_000, 12).copy(block, 136)
  block.write(type, 156, "latin1")
  if (entry.linkName) block.write(entry.linkName, 157, "utf8")
  block.write("ustar\u000000", 257, "latin1")
  block.fill(0x20, 148, 156)
  let sum = 0
  for (const byte of block) sum += byte
  Buffer.from(`${sum.toString(8).padStart(6, "0")}\0 `, "latin1").copy(block, 148)
  return block
}

const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)])

/** The two zero blocks that end a tar archive. */
export const tarEnd = Buffer.alloc(1024)

/** A tar archive built by hand; `end: false` leaves out the end-of-archive blocks. */
export const rawTar = (entries: ReadonlyArray<RawTarEntry>, options: { end?: boolean } = {}): Buffer =>
  Buffer.concat([...entries.flatMap((e) => [tarHeader(e), padded(e.data ?? Buffer.alloc(0))]), ...(options.end === false ? [] : [tarEnd])])

/** A pax extended header entry ("x") carrying `records` for the entry after it. */
export const paxHeader = (records: Record<string, string | Buffer>): RawTarEntry => {
  const lines = Object.entries(records).map(([key, value]) => {
    const body = Buffer.concat([Buffer.from(` ${key}=`, "utf8"), bytesOf(value), Buffer.from("\n")])
    let length = body.length + 1
    while (String(length).length + body.length !== length) length = String(length).length + body.length
    return Buffer.concat([Buffer.from(String(length)), body])
  })
  return { name: "PaxHeader/entry", type: "x", data: Buffer.concat(lines) }
}
