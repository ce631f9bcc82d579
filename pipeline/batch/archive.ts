import { Effect } from "effect"
import { statSync } from "node:fs"
import { ArchiveRefused } from "../errors.ts"
import { ExpansionMeter, Refusal, writeEntryUnder, type ExpansionLimits } from "./archive-entries.ts"
import { skipEntry, walkTarFile } from "./archive-tar.ts"
import { expandZip } from "./archive-zip.ts"

export type { ExpansionLimits } from "./archive-entries.ts"

export type ArchiveKind = "zip" | "tar" | "tar.gz"

export const archiveKind = (path: string): ArchiveKind | undefined => {
  const lower = path.toLowerCase()
  if (lower.endsWith(".zip")) return "zip"
  if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) return "tar.gz"
  if (lower.endsWith(".tar")) return "tar"
  return undefined
}

/**
 * A tar is read twice: once to check every entry and count every byte it expands to, writing
 * nothing, then again to write it (checking everything again, so a file changed in between is
 * refused too). Neither pass holds more than a chunk of it in memory.
 */
const expandTar = async (archive: string, dest: string, limits: ExpansionLimits) => {
  const archiveBytes = statSync(archive).size
  await walkTarFile(archive, new ExpansionMeter(limits, archiveBytes, "expands"), skipEntry)
  await walkTarFile(archive, new ExpansionMeter(limits, archiveBytes, "expands"), writeEntryUnder(dest))
}

/**
 * Unpacks a partner's archive into `dest` (which must be new and empty), refusing links, entries
 * that escape the folder, ambiguous archives (duplicate names, names cut at a NUL or not UTF-8,
 * zip headers that disagree, hidden data, a truncated tar) and expansion past the configured size
 * or ratio, counted on the bytes actually inflated.
 */
export const expandArchive = (archive: string, dest: string, limits: ExpansionLimits) =>
  Effect.tryPromise({
    try: () => (archiveKind(archive) === "zip" ? expandZip(archive, dest, limits) : expandTar(archive, dest, limits)),
    catch: (e) => {
      if (e instanceof Refusal) return new ArchiveRefused({ archive, code: e.code, reason: e.reason, ...(e.entry ? { entry: e.entry } : {}) })
      const message = (e as Error).message ?? String(e)
      if (/unexpected end|truncated|end of central directory|invalid.*signature|too short|overflows|zip64/i.test(message)) {
        return new ArchiveRefused({ archive, code: "archive-damaged", reason: `it is damaged or truncated (${message}); create the archive again` })
      }
      return new ArchiveRefused({ archive, code: "archive-unreadable", reason: `it cannot be read (${message})` })
    }
  })
