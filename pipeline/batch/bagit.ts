import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { decodeText } from "../../stages/ingest/encoding.ts"
import type { BatchProblem } from "../errors.ts"
import { filesUnder } from "../files.ts"
import { hashFile } from "../../domain/hashing.ts"

const ALGORITHMS = ["md5", "sha1", "sha256", "sha512"] as const
type Algorithm = (typeof ALGORITHMS)[number]

export interface BagInfo {
  readonly version: string
  readonly fields: Record<string, string>
  readonly algorithms: ReadonlyArray<Algorithm>
  readonly payloadFiles: number
  readonly payloadBytes: number
}

export const isBag = (dir: string) => existsSync(join(dir, "bagit.txt"))

/** Tag files may be UTF-8 or, as bagit.txt declares, UTF-16 with a BOM. */
const readTagFile = (path: string): string => {
  const decoded = decodeText(readFileSync(path))
  return decoded._tag === "Decoded" ? decoded.text.replace(/^\uFEFF/, "") : readFileSync(path, "utf8")
}

/** `Label: value` lines, with indented continuation lines folded in (RFC 8493 §2.2.2). */
const parseTagLines = (text: string): Array<[string, string]> => {
  const out: Array<[string, string]> = []
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (/^\s/.test(line) && out.length > 0) out[out.length - 1]![1] += ` ${line.trim()}`
    else {
      const colon = line.indexOf(":")
      if (colon > 0) out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()])
    }
  }
  return out
}

const decodePath = (p: string) => p.replace(/%0A/gi, "\n").replace(/%0D/gi, "\r").replace(/%25/g, "%")

/**
 * Verifies a BagIt bag (RFC 8493) before anything is accepted: bagit.txt, every payload manifest
 * (md5, sha1, sha256, sha512) complete and matching, tag manifests, and Payload-Oxum. Returns the
 * bag's metadata, or the problems with each mismatching file named.
 */
export const verifyBag = async (bag: string): Promise<{ info: BagInfo; problems: Array<BatchProblem> }> => {
  const problems: Array<BatchProblem> = []
  const problem = (file: string, text: string, expected: string) => problems.push({ code: "bag-invalid", file, path: "", problem: text, expected, fatal: true })
  const declaration = Object.fromEntries(parseTagLines(readTagFile(join(bag, "bagit.txt"))))
  const version = declaration["BagIt-Version"] ?? ""
  if (!/^\d+\.\d+$/.test(version)) problem("bagit.txt", `has no valid BagIt-Version (found "${version}")`, "BagIt-Version: 1.0")
  const fields: Record<string, string> = {}
  if (existsSync(join(bag, "bag-info.txt"))) {
    for (const [k, v] of parseTagLines(readTagFile(join(bag, "bag-info.txt")))) fields[k] = fields[k] ? `${fields[k]}; ${v}` : v
  }
  const payload = filesUnder(bag, join(bag, "data"))
  const algorithms = ALGORITHMS.filter((a) => existsSync(join(bag, `manifest-${a}.txt`)))
  if (algorithms.length === 0) problem("manifest-*.txt", "the bag has no payload manifest", "manifest-sha256.txt (or md5, sha1, sha512)")
  const verifyManifest = async (name: string, algorithm: Algorithm, expectAll: ReadonlyArray<string> | undefined) => {
    const listed = new Set<string>()
    for (const line of readTagFile(join(bag, name)).split(/\r\n|\r|\n/)) {
      const m = /^([0-9a-fA-F]+)\s+\*?(.+)$/.exec(line.trim())
      if (!m) continue
      const path = decodePath(m[2]!.trim()).replace(/^\.\//, "")
      listed.add(path)
      const full = join(bag, path)
      if (path.split("/").includes("..") || !existsSync(full)) {
        problem(name, `lists ${path}, which is not in the bag`, "every listed file present")
        continue
      }
      const actual = (await hashFile(full, algorithm)).digest
      if (actual.toLowerCase() !== m[1]!.toLowerCase()) problem(path, `fails fixity: ${algorithm} is ${actual}, ${name} says ${m[1]!.toLowerCase()}`, "the file as it was when the bag was made")
    }
    for (const path of expectAll ?? []) if (!listed.has(path)) problem(path, `is in the payload but not in ${name}`, "every payload file listed in every manifest")
  }
  for (const a of algorithms) await verifyManifest(`manifest-${a}.txt`, a, payload)
  for (const a of ALGORITHMS) if (existsSync(join(bag, `tagmanifest-${a}.txt`))) await verifyManifest(`tagmanifest-${a}.txt`, a, undefined)
  const payloadBytes = payload.reduce((n, p) => n + statSync(join(bag, p)).size, 0)
  const oxum = fields["Payload-Oxum"]
  if (oxum) {
    const m = /^(\d+)\.(\d+)$/.exec(oxum)
    if (!m || Number(m[1]) !== payloadBytes || Number(m[2]) !== payload.length) {
      problem("bag-info.txt", `Payload-Oxum is ${oxum}, the payload holds ${payloadBytes} bytes in ${payload.length} files`, `Payload-Oxum: ${payloadBytes}.${payload.length}`)
    }
  }
  return { info: { version, fields, algorithms, payloadFiles: payload.length, payloadBytes }, problems }
}
