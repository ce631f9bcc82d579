import { statSync } from "node:fs"
import yauzl from "yauzl"
import { cleanPath, displayName, EntryNames, ExpansionMeter, refuseEncoding, Refusal, utf8OrUndefined, writeEntryUnder, type EntryKind, type ExpansionLimits } from "./archive-entries.ts"

/**
 * Zip archives through yauzl, which reads the central directory. Tools that unpack a zip as a
 * stream (and some that repair) read the local header in front of each entry's data instead, so
 * both are read here and must agree; the entries must also tile the file, since bytes between
 * them are entries that only the streaming tools see, and entries that overlap are the way a
 * small zip expands to terabytes. Declared sizes are checked against the limits before anything is
 * inflated, and every inflated byte is counted again, so a zip that declares less than it holds
 * is refused at the first byte past its declaration.
 */

/** The parts of yauzl 3's entries and local headers that its type definitions do not describe. */
interface ZipEntry extends yauzl.Entry {
  readonly fileNameRaw: Buffer
}
interface LocalFileHeader {
  readonly generalPurposeBitFlag: number
  readonly compressionMethod: number
  readonly crc32: number
  readonly compressedSize: number
  readonly uncompressedSize: number
  readonly fileName: Buffer
  readonly extraField: Buffer
  readonly fileDataStart: number
}
interface ZipFile extends Omit<yauzl.ZipFile, "readEntryCursor"> {
  /** Where the central directory starts, until the first entry is read. */
  readonly readEntryCursor: number
  readLocalFileHeader(entry: yauzl.Entry, callback: (error: Error | null, header: LocalFileHeader) => void): void
}

const UTF8_FLAG = 0x0800
const DATA_DESCRIPTOR_FLAG = 0x0008
const ENCRYPTED_FLAG = 0x0001
/** A data descriptor: optional signature, CRC-32, then 4- or 8-byte sizes. */
const MAX_DATA_DESCRIPTOR = 24
const UNIX_HOST = 3

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const parseExtraFields = (raw: Buffer) => {
  const fields: Array<{ id: number; data: Buffer }> = []
  for (let at = 0; at + 4 <= raw.length; ) {
    const size = raw.readUInt16LE(at + 2)
    fields.push({ id: raw.readUInt16LE(at), data: raw.subarray(at + 4, at + 4 + size) })
    at += 4 + size
  }
  return fields
}

/**
 * An entry's name. Flagged UTF-8 (bit 11) must be valid UTF-8; an Info-ZIP Unicode Path field
 * whose checksum matches the raw name gives the UTF-8 name; an unflagged name that is ASCII, or
 * valid UTF-8, is read as UTF-8 (macOS and Info-ZIP on Linux write UTF-8 without the flag, and a
 * CP437 name that happens to be valid UTF-8 is implausible). Any other unflagged name is refused:
 * the zip specification says CP437, but Windows writes the local code page (CP850 in Spanish and
 * Portuguese Windows), so the same bytes name different files in different tools.
 */
const entryName = (flags: number, raw: Buffer, extraFields: ReadonlyArray<{ readonly id: number; readonly data: Buffer }>): string => {
  const shown = displayName(raw)
  const unicodePath = extraFields.find((f) => f.id === 0x7075 && f.data.length >= 6 && f.data[0] === 1 && f.data.readUInt32LE(1) === crc32(raw))
  if (unicodePath) {
    const name = utf8OrUndefined(unicodePath.data.subarray(5))
    if (name === undefined) return refuseEncoding(shown, "its Info-ZIP Unicode path is not valid UTF-8")
    if (flags & UTF8_FLAG && utf8OrUndefined(raw) !== name) {
      throw new Refusal("archive-header-mismatch", `its name and its Info-ZIP Unicode path ("${displayName(name)}") differ, so tools read different names; create the archive again`, shown)
    }
    return name
  }
  const name = utf8OrUndefined(raw)
  if (name !== undefined) return name
  if (flags & UTF8_FLAG) return refuseEncoding(shown, "its name is marked as UTF-8 but its bytes are not UTF-8, and would be read with replacement characters")
  return refuseEncoding(
    shown,
    "its name is in a legacy code page: a zip entry without the UTF-8 flag is CP437 by the zip specification, but Windows writes its own code page (CP850 in Spanish and Portuguese), so the same bytes name different files in different tools"
  )
}

const openZip = (archive: string) =>
  new Promise<ZipFile>((resolve, reject) =>
    yauzl.open(archive, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false, strictFileNames: false }, (err, zip) =>
      err ? reject(err) : resolve(zip as unknown as ZipFile)
    )
  )

const nextEntry = (zip: ZipFile) =>
  new Promise<ZipEntry | undefined>((resolve, reject) => {
    const settle = () => {
      zip.off("entry", onEntry)
      zip.off("end", onEnd)
      zip.off("error", onError)
    }
    const onEntry = (entry: ZipEntry) => (settle(), resolve(entry))
    const onEnd = () => (settle(), resolve(undefined))
    const onError = (e: Error) => (settle(), reject(e))
    zip.on("entry", onEntry)
    zip.on("end", onEnd)
    zip.on("error", onError)
    zip.readEntry()
  })

const localHeaderOf = (zip: ZipFile, entry: ZipEntry, shown: string) =>
  new Promise<LocalFileHeader>((resolve, reject) =>
    zip.readLocalFileHeader(entry, (e, header) => (e ? reject(new Refusal("archive-damaged", `its local header cannot be read (${e.message}); create the archive again`, shown)) : resolve(header)))
  )

const mismatch = (shown: string, what: string) =>
  new Refusal(
    "archive-header-mismatch",
    `${what}: tools that read the central directory (as acervo does) and tools that read entries in order (streaming unzip) would unpack different files; create the archive again`,
    shown
  )

/** The local header must say what the central directory says about the entry. */
const checkLocalHeader = (entry: ZipEntry, name: string, local: LocalFileHeader, shown: string) => {
  let localName: string
  try {
    localName = entryName(local.generalPurposeBitFlag, local.fileName, parseExtraFields(local.extraField))
  } catch {
    throw mismatch(shown, `its local header names it "${displayName(local.fileName)}", which cannot be read as the same name`)
  }
  if (localName !== name) throw mismatch(shown, `its local header names it "${displayName(localName)}"`)
  if (local.compressionMethod !== entry.compressionMethod) throw mismatch(shown, `its local header says compression method ${local.compressionMethod}, the central directory ${entry.compressionMethod}`)
  if (!(local.generalPurposeBitFlag & DATA_DESCRIPTOR_FLAG)) {
    const sizes = [local.compressedSize, local.uncompressedSize]
    if (!sizes.includes(0xffffffff) && (local.compressedSize !== entry.compressedSize || local.uncompressedSize !== entry.uncompressedSize || local.crc32 !== entry.crc32)) {
      throw mismatch(shown, `its local header declares ${local.uncompressedSize} bytes (${local.compressedSize} compressed), the central directory ${entry.uncompressedSize} (${entry.compressedSize})`)
    }
  }
}

interface CheckedEntry {
  readonly entry: ZipEntry
  readonly path: string
  readonly shown: string
  readonly kind: EntryKind
  readonly start: number
  readonly dataEnd: number
  readonly descriptor: boolean
}

/** Reads the central directory and every local header; refuses before anything is inflated. */
const checkEntries = async (zip: ZipFile, archiveBytes: number, limits: ExpansionLimits): Promise<Array<CheckedEntry>> => {
  const centralDirectoryStart = zip.readEntryCursor
  const declared = new ExpansionMeter(limits, archiveBytes, "declares")
  const names = new EntryNames()
  const checked: Array<CheckedEntry> = []
  for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
    const name = entryName(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields)
    const shown = displayName(name)
    const mode = (entry.externalFileAttributes >>> 16) & 0o170000
    if (entry.versionMadeBy >> 8 === UNIX_HOST && mode === 0o120000) throw new Refusal("archive-link", "it is a symbolic link; batches hold plain files and folders only: copy the file itself into the batch", shown)
    if (entry.generalPurposeBitFlag & ENCRYPTED_FLAG) throw new Refusal("archive-unreadable", "it is encrypted; send the batch unencrypted (the transfer itself is protected)", shown)
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw new Refusal("archive-unreadable", `it is compressed with method ${entry.compressionMethod}, which acervo does not read; create the archive with deflate, every zip tool's default`, shown)
    }
    const kind: EntryKind = name.replace(/\\/g, "/").endsWith("/") ? "directory" : "file"
    const path = cleanPath(name, shown)
    names.add(path, kind, shown)
    if (kind === "directory" && entry.uncompressedSize > 0) throw new Refusal("archive-damaged", `it is a folder entry that carries ${entry.uncompressedSize} bytes of data; create the archive again`, shown)
    if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
      throw new Refusal("archive-damaged", `it is stored uncompressed but declares ${entry.compressedSize} stored and ${entry.uncompressedSize} unpacked bytes; create the archive again`, shown)
    }
    declared.add(entry.uncompressedSize, shown)
    const local = await localHeaderOf(zip, entry, shown)
    checkLocalHeader(entry, name, local, shown)
    checked.push({
      entry,
      path,
      shown,
      kind,
      start: entry.relativeOffsetOfLocalHeader,
      dataEnd: local.fileDataStart + entry.compressedSize,
      descriptor: (local.generalPurposeBitFlag & DATA_DESCRIPTOR_FLAG) !== 0
    })
  }
  if (checked.length === 0) throw new Refusal("archive-empty", "it holds no entries; archive the batch folder")
  checkTiling(checked, centralDirectoryStart)
  return checked
}

/** Entries must follow each other from the first byte to the central directory, with nothing between or shared. */
const checkTiling = (entries: ReadonlyArray<CheckedEntry>, centralDirectoryStart: number) => {
  const byOffset = [...entries].sort((a, b) => a.start - b.start)
  let position = 0
  let previous: CheckedEntry | undefined
  const hidden = (where: string) =>
    new Refusal("archive-hidden-data", `it holds bytes ${where} that the central directory does not list: tools that read entries in order would unpack files acervo does not see; create the archive again from the batch folder`)
  const fits = (gap: number) => gap === 0 || (previous?.descriptor === true && gap >= 12 && gap <= MAX_DATA_DESCRIPTOR)
  for (const e of byOffset) {
    if (e.start < position) {
      throw new Refusal("archive-bomb", `its data overlaps that of "${previous?.shown}": entries that share bytes are how a small zip expands to terabytes (a zip bomb); create the archive again`, e.shown)
    }
    if (!fits(e.start - position)) throw hidden(previous ? `after entry "${previous.shown}"` : "before its first entry")
    position = e.dataEnd
    previous = e
  }
  if (centralDirectoryStart < position) throw new Refusal("archive-damaged", "its central directory overlaps the last entry's data; create the archive again")
  if (!fits(centralDirectoryStart - position)) throw hidden(`after entry "${previous?.shown}"`)
}

const openEntry = (zip: ZipFile, entry: ZipEntry, shown: string) =>
  new Promise<NodeJS.ReadableStream>((resolve, reject) =>
    zip.openReadStream(entry, (e, stream) => (e ? reject(new Refusal("archive-damaged", `it cannot be read (${e.message}); create the archive again`, shown)) : resolve(stream)))
  )

/** An entry's inflated bytes, counted, and refused the moment they pass what the headers declared. */
async function* inflated(stream: NodeJS.ReadableStream, entry: CheckedEntry, meter: ExpansionMeter) {
  const declared = entry.entry.uncompressedSize
  let bytes = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length
      if (bytes > declared) {
        throw new Refusal("archive-damaged", `it inflates to more than the ${declared} bytes its headers declare: the archive is damaged or built to mislead; create it again`, entry.shown)
      }
      meter.add(chunk.length, entry.shown)
      yield chunk
    }
  } catch (e) {
    if (e instanceof Refusal) throw e
    throw new Refusal("archive-damaged", `its data is damaged (${(e as Error).message}); create the archive again`, entry.shown)
  }
  if (bytes < declared) throw new Refusal("archive-damaged", `it inflates to ${bytes} bytes, fewer than the ${declared} its headers declare; create the archive again`, entry.shown)
}

export const expandZip = async (archive: string, dest: string, limits: ExpansionLimits) => {
  const archiveBytes = statSync(archive).size
  const zip = await openZip(archive)
  try {
    const entries = await checkEntries(zip, archiveBytes, limits)
    const actual = new ExpansionMeter(limits, archiveBytes, "expands")
    const write = writeEntryUnder(dest)
    for (const e of entries) {
      if (e.kind === "directory") await write(e)
      else await write(e, inflated(await openEntry(zip, e.entry, e.shown), e, actual))
    }
  } finally {
    zip.close()
  }
}
