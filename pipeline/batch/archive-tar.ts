import { closeSync, createReadStream, openSync, readSync } from "node:fs"
import { pipeline } from "node:stream/promises"
import { createGunzip } from "node:zlib"
import { displayName, EntryNames, type EntryKind, type ExpansionMeter, cleanPath, refuseEncoding, refuseNul, Refusal, utf8OrUndefined } from "./archive-entries.ts"

/**
 * A strict tar reader (ustar, pax and GNU long names), written for refusing rather than for
 * recovering: an archive is read header by header from a stream, so a gzip layer is inflated a
 * chunk at a time and every byte it produces is counted before the next is asked for. It refuses
 * what other readers silently repair or read differently: a cut inside a header or a body, a
 * missing end-of-archive marker (the files after a cut at a block boundary would otherwise just
 * be missing), a name whose bytes go on after its NUL, a name that is not UTF-8, data after the
 * end marker (which `tar --ignore-zeros` reads as more files), and pax settings that other tools
 * apply differently.
 */

const BLOCK = 512
const ZERO_BLOCK = Buffer.alloc(BLOCK)
/** Largest pax or GNU long-name header read into memory (node-tar's own bound). */
const MAX_META_BYTES = 1024 * 1024
const BODY_CHUNK = 64 * 1024

/** Pulls exact byte counts out of a stream of chunks, counting every byte as it arrives. */
class ChunkReader {
  private pending: Array<Buffer> = []
  private pendingBytes = 0
  private ended = false
  constructor(private readonly source: AsyncIterator<Buffer>, private readonly counted: (bytes: number) => void) {}

  private async fill(): Promise<boolean> {
    if (this.ended) return false
    const next = await this.source.next()
    if (next.done) {
      this.ended = true
      return false
    }
    const chunk = next.value
    this.counted(chunk.length)
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    return true
  }

  /** Exactly `n` bytes, or fewer when the stream ends first. */
  async exactly(n: number): Promise<Buffer> {
    while (this.pendingBytes < n && (await this.fill())) {}
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending)
    const out = all.subarray(0, Math.min(n, all.length))
    const rest = all.subarray(out.length)
    this.pending = rest.length > 0 ? [rest] : []
    this.pendingBytes = rest.length
    return out
  }

  /** Between 1 and `n` bytes as soon as there are any; empty at the end of the stream. */
  async upTo(n: number): Promise<Buffer> {
    if (this.pendingBytes === 0 && !(await this.fill())) return Buffer.alloc(0)
    const first = this.pending[0]!
    if (first.length <= n) {
      this.pending.shift()
      this.pendingBytes -= first.length
      return first
    }
    this.pending[0] = first.subarray(n)
    this.pendingBytes -= n
    return first.subarray(0, n)
  }
}

const damaged = (reason: string, entry?: string) => new Refusal("archive-damaged", `${reason}; create the archive again`, entry)

/** A NUL-terminated header field: the bytes before the first NUL, which may be followed only by NULs. */
const textField = (field: Buffer, shown: () => string): Buffer => {
  const nul = field.indexOf(0)
  if (nul < 0) return field
  for (let i = nul + 1; i < field.length; i++) if (field[i] !== 0) refuseNul(shown())
  return field.subarray(0, nul)
}

/** An octal number field (NUL- or space-terminated), or base-256 when its top bit is set. */
const numberField = (field: Buffer): number | undefined => {
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) return undefined
    let value = field[0]! & 0x7f
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!
    return Number.isSafeInteger(value) ? value : undefined
  }
  const text = field.toString("latin1").replace(/^ +/, "").replace(/[\0 ].*$/, "")
  if (text === "") return 0
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined
}

const checksumValid = (block: Buffer): boolean => {
  const stored = numberField(block.subarray(148, 156))
  if (stored === undefined) return false
  let unsigned = 0
  let signed = 0
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!
    unsigned += byte
    signed += byte > 127 ? byte - 256 : byte
  }
  return stored === unsigned || stored === signed
}

const isZero = (bytes: Buffer) => (bytes.length === BLOCK ? bytes.equals(ZERO_BLOCK) : bytes.every((b) => b === 0))

/** The records of a pax extended header (`"%d %s=%s\n"`), values as raw bytes. */
const paxRecords = (data: Buffer, shown: string): Map<string, Buffer> => {
  const records = new Map<string, Buffer>()
  let at = 0
  while (at < data.length) {
    if (data[at] === 0) {
      if (!isZero(data.subarray(at))) throw damaged("a pax extended header holds bytes after a NUL", shown)
      break
    }
    const space = data.indexOf(0x20, at)
    const length = space > at ? data.subarray(at, space).toString("latin1") : ""
    const end = at + Number(length)
    if (!/^[0-9]+$/.test(length) || end > data.length || end <= space || data[end - 1] !== 0x0a) throw damaged("a pax extended header is malformed", shown)
    const record = data.subarray(space + 1, end - 1)
    const equals = record.indexOf(0x3d)
    if (equals <= 0) throw damaged("a pax extended header is malformed", shown)
    records.set(record.subarray(0, equals).toString("utf8"), record.subarray(equals + 1))
    at = end
  }
  return records
}

/** What pax and GNU headers say about the entry after them. */
interface Pending {
  path?: string
  size?: number
  sparse?: boolean
  from?: string
}

const pathFromBytes = (bytes: Buffer, what: string): string => {
  const shown = displayName(bytes)
  if (bytes.includes(0)) refuseNul(shown)
  const text = utf8OrUndefined(bytes)
  if (text === undefined) refuseEncoding(shown, `its ${what} is not valid UTF-8, and would be read with replacement characters`)
  return text!
}

const typeNames: Record<string, string> = { "1": "hard link", "2": "symbolic link", "3": "character device", "4": "block device", "6": "FIFO", S: "sparse file", V: "volume label", M: "multi-volume continuation", D: "directory listing" }

export interface TarEntry {
  /** Where it unpacks, relative to the batch folder (see `cleanPath`). */
  readonly path: string
  /** Its name as messages show it. */
  readonly shown: string
  readonly kind: EntryKind
  readonly size: number
}

/** An entry's data, pulled from the archive as the visitor reads it. */
export type EntryBody = AsyncIterable<Buffer>

/**
 * Reads a tar stream to its end, handing each file and folder to `visit` with its data. Every
 * check runs before `visit` sees the entry; the meter counts every byte the stream yields.
 */
export const walkTar = async (source: AsyncIterable<Buffer>, meter: ExpansionMeter, visit: (entry: TarEntry, body: EntryBody) => Promise<void>) => {
  let current: string | undefined
  const reader = new ChunkReader(source[Symbol.asyncIterator](), (bytes) => meter.add(bytes, current))
  const names = new EntryNames()
  let entries = 0
  let headers = 0
  let pending: Pending = {}
  const after = () => (current ? ` after entry "${current}"` : "")
  for (;;) {
    const block = await reader.exactly(BLOCK)
    if (block.length === 0) {
      if (headers === 0) throw new Refusal("archive-empty", "it is empty; archive the batch folder")
      throw damaged(`it ends without tar's end-of-archive marker${after()}: it was cut short, and any files after that point are missing`)
    }
    if (block.length < BLOCK && headers === 0) throw new Refusal("archive-unreadable", "it is not a tar archive (shorter than one tar header); send a .tar, .tar.gz or .zip of the batch folder")
    if (block.length < BLOCK) throw damaged(`it is cut short inside a header${after()} (${block.length} of ${BLOCK} bytes)`)
    if (isZero(block)) {
      if (pending.from) throw damaged(`its ${pending.from} is not followed by an entry`)
      if (entries === 0) throw new Refusal("archive-empty", "it holds no entries, or is not a tar archive")
      // The end-of-archive marker: what follows can only be zero padding.
      for (let rest = await reader.upTo(BODY_CHUNK); rest.length > 0; rest = await reader.upTo(BODY_CHUNK)) {
        if (!isZero(rest)) {
          throw new Refusal(
            "archive-hidden-data",
            `it holds data after tar's end-of-archive marker, which some tools (tar --ignore-zeros) read as more files and others skip; create the archive again from the batch folder`
          )
        }
      }
      return
    }
    if (!checksumValid(block)) {
      if (headers === 0) throw new Refusal("archive-unreadable", "it is not a tar archive (its first header's checksum is wrong); send a .tar, .tar.gz or .zip of the batch folder")
      throw damaged(`a header${after()} has a wrong checksum: the archive is damaged`)
    }
    headers++
    const type = block[156] === 0 ? "0" : String.fromCharCode(block[156]!)
    // The name field as written, up to its last non-NUL byte, for messages about it.
    const headerName = () => {
      const field = block.subarray(0, 100)
      let end = field.length
      while (end > 0 && field[end - 1] === 0) end--
      return displayName(field.subarray(0, end))
    }
    let size = numberField(block.subarray(124, 136))
    if (size === undefined) throw damaged(`the header of "${headerName()}" has no readable size`)

    if (type === "x" || type === "g" || type === "L" || type === "K") {
      const what = type === "x" ? "pax extended header" : type === "g" ? "pax global header" : type === "L" ? "GNU long name" : "GNU long link name"
      if (size > MAX_META_BYTES) throw damaged(`its ${what}${after()} is ${size} bytes, over ${MAX_META_BYTES}`)
      const data = await reader.exactly(size)
      if (data.length < size) throw damaged(`it is cut short inside a ${what}${after()}`)
      await skipPadding(reader, size, current)
      pending.from = what
      if (type === "L") pending.path = pathFromBytes(textField(data, () => displayName(data)), "GNU long name")
      else if (type === "x" || type === "g") {
        const records = paxRecords(data, current ?? headerName())
        if (type === "g") {
          const applied = ["path", "size", "linkpath"].filter((k) => records.has(k))
          if (applied.length > 0) {
            throw new Refusal("archive-header-mismatch", `a pax global header sets ${applied.join(", ")} for every later entry, which tar tools apply differently; create the archive again with GNU tar, bsdtar or 7-Zip`)
          }
          delete pending.from
          continue
        }
        if (records.get("hdrcharset")?.toString("latin1") === "BINARY") refuseEncoding(headerName(), "its pax header declares its name as binary (hdrcharset=BINARY), not UTF-8")
        const path = records.get("path")
        if (path) pending.path = pathFromBytes(path, "pax path")
        const paxSize = records.get("size")?.toString("latin1")
        if (paxSize !== undefined) {
          if (!/^[0-9]+$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) throw damaged(`the pax size of "${pending.path ?? headerName()}" is not a number`)
          pending.size = Number(paxSize)
        }
        if ([...records.keys()].some((k) => k.startsWith("GNU.sparse."))) pending.sparse = true
      }
      continue
    }

    entries++
    const posix = block.subarray(257, 263).toString("latin1") === "ustar\u0000"
    let rawName = textField(block.subarray(0, 100), headerName)
    if (posix) {
      const prefix = textField(block.subarray(345, 500), headerName)
      if (prefix.length > 0) rawName = Buffer.concat([prefix, Buffer.from("/"), rawName])
    }
    const name = pending.path ?? pathFromBytes(rawName, "name")
    const shown = displayName(name)
    current = shown
    if (pending.size !== undefined) size = pending.size
    if (pending.sparse || !/^[057]$/.test(type)) {
      const kind = pending.sparse ? "sparse file" : (typeNames[type] ?? `type "${type}"`)
      throw new Refusal("archive-link", `it is a ${kind} entry; batches hold plain files and folders only: copy the file itself into the batch`, shown)
    }
    pending = {}
    const kind: EntryKind = type === "5" || name.endsWith("/") ? "directory" : "file"
    if (kind === "directory" && size > 0) throw damaged(`it is a folder entry that carries ${size} bytes of data, which tar tools read differently`, shown)
    const path = cleanPath(name, shown)
    names.add(path, kind, shown)

    let left = size
    const body: EntryBody = {
      async *[Symbol.asyncIterator]() {
        while (left > 0) {
          const chunk = await reader.upTo(Math.min(left, BODY_CHUNK))
          if (chunk.length === 0) throw damaged(`it is cut short inside this entry (${size - left} of ${size} bytes)`, shown)
          left -= chunk.length
          yield chunk
        }
      }
    }
    await visit({ path, shown, kind, size }, body)
    for await (const _ of body) {
      // whatever the visitor left unread
    }
    await skipPadding(reader, size, shown)
  }
}

const skipPadding = async (reader: ChunkReader, size: number, entry: string | undefined) => {
  const padding = (BLOCK - (size % BLOCK)) % BLOCK
  if (padding > 0 && (await reader.exactly(padding)).length < padding) throw damaged("it is cut short after an entry's data", entry)
}

const GZIP_MAGIC = [0x1f, 0x8b]

/** Whether the file starts like gzip, whatever its name says (as tar itself decides). */
const isGzip = (archive: string) => {
  const fd = openSync(archive, "r")
  try {
    const head = Buffer.alloc(2)
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]
  } finally {
    closeSync(fd)
  }
}

/** Streams a .tar or .tar.gz file through `walkTar`, inflating the gzip layer chunk by chunk. */
export const walkTarFile = async (archive: string, meter: ExpansionMeter, visit: (entry: TarEntry, body: EntryBody) => Promise<void>) => {
  const read = (source: AsyncIterable<Buffer>) => walkTar(source, meter, visit)
  try {
    if (isGzip(archive)) await pipeline(createReadStream(archive), createGunzip({ chunkSize: BODY_CHUNK }), read)
    else await pipeline(createReadStream(archive), read)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code === "string" && code.startsWith("Z_")) throw damaged(`it is damaged or truncated: its gzip data is corrupt or ends early (${(e as Error).message})`)
    throw e
  }
}

/** Discards an entry's data (the first pass only counts and checks). */
export const skipEntry = async (_entry: TarEntry, body: EntryBody) => {
  for await (const _ of body) {
    // counted by the reader
  }
}
