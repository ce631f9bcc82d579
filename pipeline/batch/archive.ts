import { Effect } from "effect"
import { createWriteStream, mkdirSync, statSync } from "node:fs"
import { dirname, isAbsolute, join, normalize, sep } from "node:path"
import { pipeline } from "node:stream/promises"
import * as tar from "tar"
import yauzl from "yauzl"
import { ArchiveRefused, type ArchiveRefusalCode } from "../errors.ts"

export type ArchiveKind = "zip" | "tar" | "tar.gz"

export const archiveKind = (path: string): ArchiveKind | undefined => {
  const lower = path.toLowerCase()
  if (lower.endsWith(".zip")) return "zip"
  if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) return "tar.gz"
  if (lower.endsWith(".tar")) return "tar"
  return undefined
}

export interface ExpansionLimits {
  readonly maxBytes: number
  readonly maxRatio: number
}

/** An entry name that stays inside the folder it is unpacked into, or the reason it does not. */
const escapeReason = (name: string): string | undefined => {
  if (name.includes("\u0000")) return "its name holds a NUL byte"
  const unified = name.replace(/\\/g, "/")
  if (isAbsolute(unified) || /^[A-Za-z]:/.test(unified)) return "it has an absolute path"
  if (unified.split("/").includes("..")) return "its path leaves the batch folder (\"..\")"
  return undefined
}

class Refusal extends Error {
  constructor(readonly code: ArchiveRefusalCode, readonly reason: string, readonly entry?: string) {
    super(reason)
  }
}

const checkTotals = (total: number, compressed: number, limits: ExpansionLimits, entry: string) => {
  if (total > limits.maxBytes) {
    throw new Refusal("archive-too-large", `it expands to more than ${limits.maxBytes} bytes (ACERVO_MAX_ARCHIVE_BYTES); split the batch`, entry)
  }
  if (compressed > 0 && total > 1024 * 1024 && total / compressed > limits.maxRatio) {
    throw new Refusal(
      "archive-bomb",
      `it expands ${Math.round(total / compressed)} times its size, over the limit of ${limits.maxRatio} (ACERVO_MAX_ARCHIVE_RATIO): this looks like a zip bomb`,
      entry
    )
  }
}

const tarEntryTypes = new Set(["File", "OldFile", "ContiguousFile", "Directory"])

const expandTar = async (archive: string, dest: string, limits: ExpansionLimits) => {
  const compressed = statSync(archive).size
  let total = 0
  let entries = 0
  let refusal: Refusal | undefined
  // First pass reads headers only, so nothing is written from an archive that will be refused.
  // The parser cannot be stopped from its entry callback, so the first refusal is kept and raised after.
  await tar.t({
    file: archive,
    strict: true,
    onReadEntry: (entry) => {
      entries++
      entry.resume()
      if (refusal) return
      const name = entry.path
      try {
        if (!tarEntryTypes.has(entry.type)) {
          throw new Refusal("archive-link", `it is a ${entry.type === "SymbolicLink" ? "symbolic link" : entry.type === "Link" ? "hard link" : entry.type} entry; batches hold plain files and folders only`, name)
        }
        const escape = escapeReason(name)
        if (escape) throw new Refusal("archive-path-escape", escape, name)
        total += entry.size ?? 0
        checkTotals(total, compressed, limits, name)
      } catch (e) {
        refusal = e as Refusal
      }
    }
  })
  if (refusal) throw refusal
  if (entries === 0) throw new Refusal("archive-empty", "it holds no entries, or is not a tar archive")
  await tar.x({ file: archive, cwd: dest, strict: true, preservePaths: false, preserveOwner: false, noChmod: true })
}

const openZip = (archive: string) =>
  new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(archive, { lazyEntries: true, validateEntrySizes: true, decodeStrings: true, strictFileNames: false }, (err, zip) =>
      err ? reject(err) : resolve(zip)
    )
  )

const expandZip = async (archive: string, dest: string, limits: ExpansionLimits) => {
  const compressed = statSync(archive).size
  const zip = await openZip(archive)
  let total = 0
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("error", reject)
      zip.on("end", () => resolve())
      zip.on("entry", (entry: yauzl.Entry) => {
        const name = entry.fileName
        const step = async () => {
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000
          if (mode === 0o120000) throw new Refusal("archive-link", "it is a symbolic link; batches hold plain files and folders only", name)
          const escape = escapeReason(name)
          if (escape) throw new Refusal("archive-path-escape", escape, name)
          total += entry.uncompressedSize
          checkTotals(total, compressed, limits, name)
          const target = join(dest, normalize(name))
          if (!target.startsWith(dest + sep)) throw new Refusal("archive-path-escape", "its path leaves the batch folder", name)
          if (name.endsWith("/")) {
            mkdirSync(target, { recursive: true })
            return
          }
          mkdirSync(dirname(target), { recursive: true })
          const stream = await new Promise<NodeJS.ReadableStream>((res, rej) => zip.openReadStream(entry, (e, s) => (e ? rej(e) : res(s))))
          await pipeline(stream, createWriteStream(target, { flags: "wx" }))
        }
        step().then(() => zip.readEntry(), reject)
      })
      zip.readEntry()
    })
  } finally {
    zip.close()
  }
}

/**
 * Unpacks a partner's archive into `dest` (which must be new and empty), refusing links, entries
 * that escape the folder, and expansion past the configured size or ratio.
 */
export const expandArchive = (archive: string, dest: string, limits: ExpansionLimits) =>
  Effect.tryPromise({
    try: () => {
      const kind = archiveKind(archive)
      return kind === "zip" ? expandZip(archive, dest, limits) : expandTar(archive, dest, limits)
    },
    catch: (e) => {
      if (e instanceof Refusal) return new ArchiveRefused({ archive, code: e.code, reason: e.reason, ...(e.entry ? { entry: e.entry } : {}) })
      const message = (e as Error).message ?? String(e)
      if (/unexpected end|TAR_BAD_ARCHIVE|TAR_ABORTED|truncated|end of central directory|invalid.*signature|too short/i.test(message)) {
        return new ArchiveRefused({ archive, code: "archive-damaged", reason: `it is damaged or truncated (${message}); create the archive again` })
      }
      if (/invalid relative path|absolute path/i.test(message)) {
        return new ArchiveRefused({ archive, code: "archive-path-escape", reason: `an entry's path leaves the batch folder (${message})` })
      }
      return new ArchiveRefused({ archive, code: "archive-unreadable", reason: `it cannot be read (${message})` })
    }
  })
