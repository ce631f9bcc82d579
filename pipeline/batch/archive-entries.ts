import { createWriteStream, mkdirSync } from "node:fs"
import { dirname, isAbsolute, join, sep } from "node:path"
import { pipeline } from "node:stream/promises"
import type { ArchiveRefusalCode } from "../errors.ts"

/** Why an archive is refused, raised inside the readers and turned into `ArchiveRefused` at the edge. */
export class Refusal extends Error {
  constructor(readonly code: ArchiveRefusalCode, readonly reason: string, readonly entry?: string) {
    super(reason)
  }
}

export interface ExpansionLimits {
  readonly maxBytes: number
  readonly maxRatio: number
}

/** Below this many expanded bytes the ratio is not checked: small text compresses well and harms nobody. */
const RATIO_FLOOR = 1024 * 1024

/**
 * Counts expanded bytes as they are produced (or as headers declare them) and refuses the archive
 * the moment the total passes `ACERVO_MAX_ARCHIVE_BYTES` or the ratio to the archive's own size
 * passes `ACERVO_MAX_ARCHIVE_RATIO`.
 */
export class ExpansionMeter {
  private total = 0
  constructor(private readonly limits: ExpansionLimits, private readonly archiveBytes: number, private readonly what: "expands" | "declares") {}

  add(bytes: number, entry?: string) {
    this.total += bytes
    const subject = this.what === "expands" ? "it expands to" : "its entries declare"
    if (this.total > this.limits.maxBytes) {
      throw new Refusal("archive-too-large", `${subject} more than ${this.limits.maxBytes} bytes (ACERVO_MAX_ARCHIVE_BYTES); split the batch into smaller archives`, entry)
    }
    if (this.archiveBytes > 0 && this.total > RATIO_FLOOR && this.total / this.archiveBytes > this.limits.maxRatio) {
      throw new Refusal(
        "archive-bomb",
        `${subject} more than ${Math.floor(this.total / this.archiveBytes)} times the archive's size, over the limit of ${this.limits.maxRatio} (ACERVO_MAX_ARCHIVE_RATIO): this looks like a zip bomb; if the batch really is this compressible, raise the limit`,
        entry
      )
    }
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true })

/** Bytes as UTF-8, or `undefined` when they are not valid UTF-8 (never replacement characters). */
export const utf8OrUndefined = (bytes: Uint8Array): string | undefined => {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

/** A name as it can be shown in a message: control bytes and bytes that are not UTF-8 as `\xNN`. */
export const displayName = (name: string | Uint8Array): string => {
  const text = typeof name === "string" ? name : (utf8OrUndefined(name) ?? Array.from(name, (b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join(""))
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
}

export const refuseNul = (shown: string): never => {
  throw new Refusal(
    "archive-name-nul",
    "its name holds a NUL byte: tools that stop at the NUL read a different name than tools that do not, so which file this is cannot be told; rename the file and create the archive again",
    shown
  )
}

export const refuseEncoding = (shown: string, detail: string): never => {
  throw new Refusal("archive-name-encoding", `${detail}; rename the file with a UTF-8 name, or create the archive with a tool that writes UTF-8 names (7-Zip, Info-ZIP zip 3, tar)`, shown)
}

export type EntryKind = "file" | "directory"

/**
 * The path an entry unpacks to, relative to the batch folder: forward slashes (the zip format
 * requires them; old Windows tools wrote backslashes), without `.` or empty segments.
 */
export const cleanPath = (name: string, shown: string): string => {
  if (name.includes("\u0000")) refuseNul(shown)
  const unified = name.replace(/\\/g, "/")
  if (isAbsolute(unified) || /^[A-Za-z]:/.test(unified)) throw new Refusal("archive-path-escape", "it has an absolute path; archive the batch folder with relative paths", shown)
  const segments = unified.split("/").filter((s) => s !== "" && s !== ".")
  if (segments.includes("..")) throw new Refusal("archive-path-escape", "its path leaves the batch folder (\"..\"); archive the batch folder with relative paths", shown)
  return segments.join("/")
}

/**
 * Every entry name seen so far, to refuse an archive in which two entries unpack to the same place.
 * Unpacking keeps one of them (the last, for most tools), so the file acervo would read is not the
 * one a person listing the archive may have checked. Names are compared as the partners' own file
 * systems compare them: Unicode-normalised (NFC; macOS writes NFD) and case-insensitively (Windows
 * and macOS), because a folder on those systems cannot hold two such files: an archive that does
 * was not made from a folder the partner saw, and unpacked there it silently loses one of them.
 */
export class EntryNames {
  private readonly files = new Map<string, string>()
  private readonly directories = new Map<string, string>()

  private static key = (path: string) => path.normalize("NFC").toLowerCase()

  add(path: string, kind: EntryKind, shown: string) {
    const key = EntryNames.key(path)
    if (key === "") {
      if (kind === "file") throw new Refusal("archive-path-escape", "it is a file with an empty name; create the archive again from the batch folder", shown)
      return
    }
    const clash = this.files.get(key) ?? (kind === "file" ? this.directories.get(key) : undefined)
    if (clash !== undefined) {
      throw new Refusal(
        "archive-duplicate-entry",
        `${clash === shown ? "it appears twice in the archive" : `it unpacks to the same path as "${clash}" (names compared without "." segments or doubled slashes, Unicode-normalised and case-insensitively, as Windows and macOS compare them)`}; unpacking would keep only one of them: remove or rename one and create the archive again`,
        shown
      )
    }
    // Every folder above the entry: a file of that name would clash with it.
    const keys = key.split("/")
    const names = path.split("/")
    for (let i = 1; i < keys.length; i++) {
      const parent = keys.slice(0, i).join("/")
      const file = this.files.get(parent)
      if (file !== undefined) {
        throw new Refusal("archive-duplicate-entry", `its folder "${names.slice(0, i).join("/")}" is also a file in the archive ("${file}"); rename one of them and create the archive again`, shown)
      }
      if (!this.directories.has(parent)) this.directories.set(parent, names.slice(0, i).join("/"))
    }
    if (kind === "file") this.files.set(key, shown)
    else if (!this.directories.has(key)) this.directories.set(key, shown)
  }
}

/** Writes each entry under `dest`; every check has already run by the time it is called. */
export const writeEntryUnder =
  (dest: string) =>
  async (entry: { readonly path: string; readonly shown: string; readonly kind: EntryKind }, body?: AsyncIterable<Buffer>) => {
    if (entry.path === "") return
    const target = join(dest, entry.path)
    if (!target.startsWith(dest + sep)) throw new Refusal("archive-path-escape", "its path leaves the batch folder", entry.shown)
    if (entry.kind === "directory") {
      mkdirSync(target, { recursive: true })
      return
    }
    mkdirSync(dirname(target), { recursive: true })
    await pipeline(body ?? [], createWriteStream(target, { flags: "wx" }))
  }
