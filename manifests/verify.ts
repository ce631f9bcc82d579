import { Either, Schema, ParseResult } from "effect"
import { createReadStream, existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { createGunzip } from "node:zlib"
import { filesUnder } from "../pipeline/files.ts"
import { hashFile, sha256Hex } from "../domain/hashing.ts"
import { ReleaseRecord } from "../stages/shard/record.ts"
import { Manifest, MANIFEST_FILE, type ShardEntry } from "./manifest.ts"
import { resolveLicense } from "../licenses/expression.ts"
import { defaultRegistry } from "../licenses/partner-licenses.ts"
import { lookupLabel } from "../licenses/labels.ts"
import { profileDecisions } from "../licenses/policy.ts"

export interface CatalogView {
  readonly release: { readonly manifest_sha256: string } | undefined
  readonly shards: ReadonlyArray<{ readonly path: string; readonly sha256: string; readonly bytes: number; readonly documents: number }>
  /** Record ids withdrawn so far: none may be in any shard. */
  readonly withdrawn?: ReadonlyArray<string>
}

export interface VerifyReport {
  readonly release: string
  readonly shardsChecked: number
  readonly records: number
  readonly mismatches: ReadonlyArray<string>
}

const decodeRecord = Schema.decodeUnknownEither(ReleaseRecord)

/** Re-reads one shard: its bytes, hash, and every record in it, summing the numeric fields `summed`. */
const inspectShard = async (file: string, entry: ShardEntry, withdrawn: ReadonlyMap<string, string>, needsAttribution: Set<string>, summed: ReadonlyArray<string>) => {
  const sums: Record<string, number> = Object.fromEntries(summed.map((f) => [f, 0]))
  const problems: Array<string> = []
  const { digest: sha256, bytes } = await hashFile(file)
  const raw = createReadStream(file)
  const gunzip = createGunzip()
  raw.on("error", (e) => gunzip.destroy(e))
  raw.pipe(gunzip)
  let records = 0
  let characters = 0
  let badRecords = 0
  try {
    for await (const line of createInterface({ input: gunzip, crlfDelay: Infinity })) {
      if (line.length === 0) continue
      records++
      let record: ReleaseRecord
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>
        for (const f of summed) if (typeof parsed[f] === "number") sums[f]! += parsed[f] as number
        const decoded = decodeRecord(parsed)
        if (Either.isLeft(decoded)) throw new Error(ParseResult.TreeFormatter.formatErrorSync(decoded.left))
        record = decoded.right
      } catch (e) {
        if (badRecords++ < 3) problems.push(`${entry.path}: record ${records} is not a valid record: ${(e as Error).message.split("\n")[0]}`)
        continue
      }
      characters += record.text.length
      for (const problem of policyProblems(record, entry.profile)) if (badRecords++ < 3) problems.push(`${entry.path}: record ${record.id} ${problem}`)
      const resolved = resolveLicense(record.license, defaultRegistry)
      if ((resolved._tag === "Resolved" && resolved.license.attribution) || record.labels.some((l) => lookupLabel(l)?.effect === "attribution")) {
        needsAttribution.add(`## ${record.source.institution} — batch ${record.source.batch}`)
      }
      const withdrawal = withdrawn.get(record.id)
      if (withdrawal) problems.push(`${entry.path}: record ${record.id} was withdrawn (${withdrawal}) and must not be in a release`)
      if (record.lang !== entry.lang && badRecords++ < 3) problems.push(`${entry.path}: record ${record.id} has lang ${record.lang}, shard is ${entry.lang}`)
      if (sha256Hex(record.text) !== record.sha256 && badRecords++ < 3) problems.push(`${entry.path}: record ${record.id} text does not match its sha256`)
    }
  } catch (e) {
    problems.push(`${entry.path}: cannot be read as gzip JSONL (${(e as Error).message})`)
  } finally {
    raw.destroy()
  }
  return { sha256, bytes, records, characters, problems, sums }
}

/** What the gate would refuse about a released record: its licence, consent and labels, against its shard's profile. */
const policyProblems = (record: ReleaseRecord, profile: string): ReadonlyArray<string> => {
  const resolved = resolveLicense(record.license, defaultRegistry)
  if (resolved._tag !== "Resolved") return [`has licence "${record.license}", which the licence registry does not resolve`]
  const problems: Array<string> = []
  if (!record.consent.basis || !record.consent.reference) problems.push("has no consent record")
  const unknown = record.labels.filter((l) => !lookupLabel(l))
  if (unknown.length > 0) problems.push(`has unknown label(s) ${unknown.join(", ")}`)
  const decision = profileDecisions(resolved.license, record.labels).find((d) => d.profile === profile)
  if (!decision?.admitted) problems.push(`is in profile ${profile}, which does not admit it (${decision?.reason ?? "unknown profile"})`)
  return problems
}

/**
 * Recomputes every shard's SHA-256, byte size, record and character counts and compares them with
 * the manifest and, when given, with what the catalog recorded for the release. Names each mismatch.
 */
export const verifyRelease = async (dir: string, catalog: ((release: string) => Promise<CatalogView>) | undefined): Promise<VerifyReport> => {
  const mismatches: Array<string> = []
  const manifestPath = join(dir, MANIFEST_FILE)
  if (!existsSync(manifestPath)) return { release: dir, shardsChecked: 0, records: 0, mismatches: [`${manifestPath} does not exist: is ${dir} a release folder?`] }
  const manifestText = readFileSync(manifestPath, "utf8")
  let manifest: Manifest
  try {
    const decoded = Schema.decodeUnknownEither(Manifest)(JSON.parse(manifestText), { errors: "all" })
    if (Either.isLeft(decoded)) {
      return { release: dir, shardsChecked: 0, records: 0, mismatches: ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((i) => `manifest.json at $.${i.path.join(".")}: ${i.message}`) }
    }
    manifest = decoded.right
  } catch (e) {
    return { release: dir, shardsChecked: 0, records: 0, mismatches: [`manifest.json is not JSON: ${(e as Error).message}`] }
  }
  const view = catalog ? await catalog(manifest.release) : undefined
  const withdrawn = new Map<string, string>()
  const tombstonesPath = join(dir, "tombstones.jsonl")
  if (existsSync(tombstonesPath)) {
    for (const line of readFileSync(tombstonesPath, "utf8").split("\n")) if (line.trim()) withdrawn.set((JSON.parse(line) as { id: string }).id, "listed in tombstones.jsonl")
  }
  for (const id of view?.withdrawn ?? []) if (!withdrawn.has(id)) withdrawn.set(id, "according to the catalog")
  let records = 0
  let documents = 0
  let characters = 0
  const fieldSums: Record<string, number> = {}
  // A shard that cannot be read whole is reported as such; its partial sums would only repeat it.
  let shardsWithProblems = 0
  const needsAttribution = new Set<string>()
  for (const entry of manifest.shards) {
    const file = join(dir, entry.path)
    if (!existsSync(file)) {
      mismatches.push(`${entry.path}: listed in the manifest but missing`)
      continue
    }
    const seen = await inspectShard(file, entry, withdrawn, needsAttribution, Object.keys(manifest.totals.fields))
    for (const [f, n] of Object.entries(seen.sums)) fieldSums[f] = (fieldSums[f] ?? 0) + n
    if (seen.problems.length > 0) shardsWithProblems++
    mismatches.push(...seen.problems)
    if (seen.sha256 !== entry.sha256) mismatches.push(`${entry.path}: sha256 is ${seen.sha256}, manifest says ${entry.sha256}`)
    if (seen.bytes !== entry.bytes) mismatches.push(`${entry.path}: ${seen.bytes} bytes, manifest says ${entry.bytes}`)
    if (seen.records !== entry.documents) mismatches.push(`${entry.path}: ${seen.records} records, manifest says ${entry.documents}`)
    if (seen.characters !== entry.characters) mismatches.push(`${entry.path}: ${seen.characters} characters, manifest says ${entry.characters}`)
    if (!entry.path.startsWith(`shards/${entry.profile}/${entry.lang}/`)) mismatches.push(`${entry.path}: not under shards/${entry.profile}/${entry.lang}/`)
    records += seen.records
    documents += entry.documents
    characters += entry.characters
  }
  const listed = new Set(manifest.shards.map((s) => s.path))
  for (const extra of filesUnder(dir, join(dir, "shards")).filter((p) => !listed.has(p))) mismatches.push(`${extra}: present in the release but not in the manifest`)
  if (documents !== manifest.totals.documents) mismatches.push(`manifest totals.documents is ${manifest.totals.documents}, its shards hold ${documents}`)
  if (characters !== manifest.totals.characters) mismatches.push(`manifest totals.characters is ${manifest.totals.characters}, its shards hold ${characters}`)
  for (const [f, t] of shardsWithProblems > 0 ? [] : Object.entries(manifest.totals.fields)) {
    if ((fieldSums[f] ?? 0) !== t.total) mismatches.push(`manifest totals.fields.${f}.total is ${t.total}, its shards' records sum to ${fieldSums[f] ?? 0}`)
  }
  const attributionPath = join(dir, "ATTRIBUTION.md")
  const attribution = existsSync(attributionPath) ? readFileSync(attributionPath, "utf8") : ""
  for (const heading of [...needsAttribution].sort()) {
    if (!attribution.split("\n").includes(heading)) mismatches.push(`ATTRIBUTION.md: has no section "${heading}", whose records require attribution`)
  }
  if (view) {
    if (!view.release) mismatches.push(`catalog: has no release named ${manifest.release}`)
    else {
      if (view.release.manifest_sha256 !== sha256Hex(manifestText)) mismatches.push(`manifest.json: sha256 differs from the one the catalog recorded for ${manifest.release} (the manifest was changed)`)
      const recorded = new Map(view.shards.map((s) => [s.path, s]))
      for (const entry of manifest.shards) {
        const r = recorded.get(entry.path)
        if (!r) mismatches.push(`${entry.path}: not recorded in the catalog for ${manifest.release}`)
        else if (r.sha256 !== entry.sha256 || r.bytes !== entry.bytes || r.documents !== entry.documents) {
          mismatches.push(`${entry.path}: the catalog recorded sha256 ${r.sha256}, ${r.bytes} bytes, ${r.documents} records`)
        }
        recorded.delete(entry.path)
      }
      for (const missing of recorded.keys()) mismatches.push(`${missing}: recorded in the catalog but not in the manifest`)
    }
  }
  return { release: manifest.release, shardsChecked: manifest.shards.length, records, mismatches }
}
