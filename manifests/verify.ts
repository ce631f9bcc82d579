import { Either, Schema, ParseResult } from "effect"
import { createReadStream, existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { createGunzip } from "node:zlib"
import { filesUnder } from "../pipeline/files.ts"
import { hashFile, sha256Hex } from "../domain/hashing.ts"
import { releaseRecordSchema, type ReleaseRecordWithFields } from "../stages/shard/record.ts"
import { readParquetShard } from "../stages/shard/parquet.ts"
import { encodeReleaseRecord, recordFields } from "../stages/index.ts"
import { Manifest, MANIFEST_FILE, type ShardEntry } from "./manifest.ts"
import { RECORD_SCHEMA_FILE, recordJsonSchemaText } from "./record-schema.ts"
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

const decodeRecord = Schema.decodeUnknownEither(releaseRecordSchema(recordFields) as Schema.Schema<ReleaseRecordWithFields, unknown>, { onExcessProperty: "error" })

interface ShardChecks {
  readonly withdrawn: ReadonlyMap<string, string>
  readonly needsAttribution: Set<string>
  readonly summed: ReadonlyArray<string>
}

/** What re-reading one shard found: its bytes, hash and records, each record's canonical line hashed so that twins can be compared. */
interface ShardSeen {
  readonly sha256: string
  readonly bytes: number
  readonly records: number
  readonly characters: number
  readonly problems: ReadonlyArray<string>
  readonly sums: Record<string, number>
  readonly lineDigests: ReadonlyArray<string>
}

/**
 * One record checked against the record schema (no field missing, none added, each of its type),
 * its canonical JSON line (field order, fractions written as floats) and the release's policy.
 * `line` is the record's text in a JSON-lines shard, which must be that canonical line exactly.
 */
const recordChecker = (entry: ShardEntry, checks: ShardChecks) => {
  const sums: Record<string, number> = Object.fromEntries(checks.summed.map((f) => [f, 0]))
  const problems: Array<string> = []
  const lineDigests: Array<string> = []
  let records = 0
  let characters = 0
  let badRecords = 0
  const note = (problem: string) => {
    if (badRecords++ < 3) problems.push(`${entry.path}: ${problem}`)
  }
  const check = (parsed: Record<string, unknown>, line?: string) => {
    records++
    for (const f of checks.summed) if (typeof parsed[f] === "number") sums[f]! += parsed[f] as number
    const decoded = decodeRecord(parsed)
    if (Either.isLeft(decoded)) {
      lineDigests.push("")
      return note(`record ${records} is not a valid record: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left).split("\n").slice(0, 3).join(" ")}`)
    }
    const record = decoded.right
    const canonical = encodeReleaseRecord(record)
    lineDigests.push(sha256Hex(canonical))
    if (line !== undefined && line !== canonical) note(`record ${record.id} is not written as the record schema writes it (field order, or a fraction written without a decimal point)`)
    characters += record.text.length
    for (const problem of policyProblems(record, entry.profile)) note(`record ${record.id} ${problem}`)
    const resolved = resolveLicense(record.license, defaultRegistry)
    if ((resolved._tag === "Resolved" && resolved.license.attribution) || record.labels.some((l) => lookupLabel(l)?.effect === "attribution")) {
      checks.needsAttribution.add(`## ${record.source.institution} — batch ${record.source.batch}`)
    }
    const withdrawal = checks.withdrawn.get(record.id)
    if (withdrawal) problems.push(`${entry.path}: record ${record.id} was withdrawn (${withdrawal}) and must not be in a release`)
    if (record.lang !== entry.lang) note(`record ${record.id} has lang ${record.lang}, shard is ${entry.lang}`)
    if (sha256Hex(record.text) !== record.sha256) note(`record ${record.id} text does not match its sha256`)
  }
  return { check, note, seen: (sha256: string, bytes: number): ShardSeen => ({ sha256, bytes, records, characters, problems, sums, lineDigests }) }
}

/** Re-reads one `.jsonl.gz` shard: its bytes, hash, and every record in it. */
const inspectJsonl = async (file: string, entry: ShardEntry, checks: ShardChecks): Promise<ShardSeen> => {
  const { digest: sha256, bytes } = await hashFile(file)
  const { check, note, seen } = recordChecker(entry, checks)
  const raw = createReadStream(file)
  const gunzip = createGunzip()
  raw.on("error", (e) => gunzip.destroy(e))
  raw.pipe(gunzip)
  let lineNumber = 0
  try {
    for await (const line of createInterface({ input: gunzip, crlfDelay: Infinity })) {
      lineNumber++
      if (line.length === 0) continue
      let parsed: Record<string, unknown>
      try {
        parsed = JSON.parse(line) as Record<string, unknown>
      } catch (e) {
        note(`line ${lineNumber} is not JSON: ${(e as Error).message}`)
        continue
      }
      check(parsed, line)
    }
  } catch (e) {
    note(`cannot be read as gzip JSONL (${(e as Error).message})`)
  } finally {
    raw.destroy()
  }
  return seen(sha256, bytes)
}

/** Re-reads one Parquet shard the same way, a row group at a time. */
const inspectParquet = async (file: string, entry: ShardEntry, checks: ShardChecks): Promise<ShardSeen> => {
  const { digest: sha256, bytes } = await hashFile(file)
  const { check, note, seen } = recordChecker(entry, checks)
  try {
    await readParquetShard(file, (record) => check(record))
  } catch (e) {
    note(`cannot be read as Parquet (${(e as Error).message})`)
  }
  return seen(sha256, bytes)
}

/** What the gate would refuse about a released record: its licence, consent and labels, against its shard's profile. */
const policyProblems = (record: ReleaseRecordWithFields, profile: string): ReadonlyArray<string> => {
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
  // Each format holds the whole release: its shards are summed apart.
  const byFormat = new Map<ShardEntry["format"], { records: number; documents: number; characters: number; fieldSums: Record<string, number> }>()
  // A shard that cannot be read whole is reported as such; its partial sums would only repeat it.
  let shardsWithProblems = 0
  const needsAttribution = new Set<string>()
  // The manifest lists a shard's JSON lines before its Parquet twin (sorted by path).
  const jsonlDigests = new Map<string, ReadonlyArray<string>>()
  for (const entry of manifest.shards) {
    const file = join(dir, entry.path)
    if (!existsSync(file)) {
      mismatches.push(`${entry.path}: listed in the manifest but missing`)
      continue
    }
    const checks = { withdrawn, needsAttribution, summed: Object.keys(manifest.totals.fields) }
    const seen = entry.format === "parquet" ? await inspectParquet(file, entry, checks) : await inspectJsonl(file, entry, checks)
    // A twin is compared only with JSON lines read whole: a damaged shard is reported as such already.
    if (entry.format === "jsonl") {
      if (seen.problems.length === 0) jsonlDigests.set(entry.path, seen.lineDigests)
    }
    else {
      const twin = jsonlDigests.get(entry.path.replace(/\.parquet$/, ".jsonl.gz"))
      const differs = twin ? seen.lineDigests.findIndex((d, i) => d !== twin[i]) : -1
      if (twin && (differs >= 0 || twin.length !== seen.lineDigests.length)) {
        mismatches.push(`${entry.path}: record ${differs >= 0 ? differs + 1 : Math.min(twin.length, seen.lineDigests.length) + 1} differs from its JSON-lines twin`)
      }
    }
    let sums = byFormat.get(entry.format)
    if (!sums) byFormat.set(entry.format, (sums = { records: 0, documents: 0, characters: 0, fieldSums: {} }))
    for (const [f, n] of Object.entries(seen.sums)) sums.fieldSums[f] = (sums.fieldSums[f] ?? 0) + n
    if (seen.problems.length > 0) shardsWithProblems++
    mismatches.push(...seen.problems)
    if (seen.sha256 !== entry.sha256) mismatches.push(`${entry.path}: sha256 is ${seen.sha256}, manifest says ${entry.sha256}`)
    if (seen.bytes !== entry.bytes) mismatches.push(`${entry.path}: ${seen.bytes} bytes, manifest says ${entry.bytes}`)
    if (seen.records !== entry.documents) mismatches.push(`${entry.path}: ${seen.records} records, manifest says ${entry.documents}`)
    if (seen.characters !== entry.characters) mismatches.push(`${entry.path}: ${seen.characters} characters, manifest says ${entry.characters}`)
    if (!entry.path.startsWith(`shards/${entry.profile}/${entry.lang}/`)) mismatches.push(`${entry.path}: not under shards/${entry.profile}/${entry.lang}/`)
    sums.records += seen.records
    sums.documents += entry.documents
    sums.characters += entry.characters
  }
  const listed = new Set(manifest.shards.map((s) => s.path))
  for (const extra of filesUnder(dir, join(dir, "shards")).filter((p) => !listed.has(p))) mismatches.push(`${extra}: present in the release but not in the manifest`)
  if (byFormat.size === 0) byFormat.set("jsonl", { records: 0, documents: 0, characters: 0, fieldSums: {} })
  for (const [format, { documents, characters, fieldSums }] of byFormat) {
    if (documents !== manifest.totals.documents) mismatches.push(`manifest totals.documents is ${manifest.totals.documents}, its ${format} shards hold ${documents}`)
    if (characters !== manifest.totals.characters) mismatches.push(`manifest totals.characters is ${manifest.totals.characters}, its ${format} shards hold ${characters}`)
    for (const [f, t] of shardsWithProblems > 0 ? [] : Object.entries(manifest.totals.fields)) {
      if ((fieldSums[f] ?? 0) !== t.total) mismatches.push(`manifest totals.fields.${f}.total is ${t.total}, its ${format} shards' records sum to ${fieldSums[f] ?? 0}`)
    }
  }
  const records = Math.max(...[...byFormat.values()].map((f) => f.records))
  const schemaPath = join(dir, RECORD_SCHEMA_FILE)
  if (!existsSync(schemaPath)) mismatches.push(`${RECORD_SCHEMA_FILE}: missing (the JSON Schema of the release's records)`)
  else if (readFileSync(schemaPath, "utf8") !== recordJsonSchemaText()) mismatches.push(`${RECORD_SCHEMA_FILE}: differs from the record schema the records were checked against`)
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
