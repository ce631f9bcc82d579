import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { AttributionCollector } from "../manifests/attribution.ts"
import { MANIFEST_FILE, type Manifest, type ShardEntry } from "../manifests/manifest.ts"
import { releaseProfiles } from "../licenses/profiles.ts"
import { ShardFile } from "../stages/shard/shard-file.ts"
import { toRecord } from "../stages/shard/record.ts"
import { recordFields } from "../stages/index.ts"
import type { FieldTotal } from "../manifests/manifest.ts"
import type { DocumentFields } from "../domain/batch-schema.ts"
import { Batches } from "../catalog/batches.ts"
import { Documents } from "../catalog/documents.ts"
import { Releases } from "../catalog/releases.ts"
import type { SourceRow } from "../domain/release-rows.ts"
import { nowIso } from "./clock.ts"
import { configSha256, Settings, stageConfig, StageSettings } from "./config.ts"
import { croissantFor } from "../manifests/croissant.ts"
import { minHashParams } from "../stages/dedup/config.ts"
import { dedupStage } from "../stages/dedup/dedup.ts"
import { jaccard, type MinHashParams, shingles, type ShingleSet } from "../stages/dedup/minhash.ts"
import { ReleaseError } from "./errors.ts"
import { sha256Hex } from "../domain/hashing.ts"
import { Progress } from "./progress.ts"
import { version } from "./version.ts"

export interface ReleaseOptions {
  readonly name: string
  readonly outDir: string
  readonly profiles: ReadonlyArray<string>
}

export interface ReleaseSummary {
  readonly dir: string
  readonly manifest: Manifest
}

const PAGE = 500

const partName = (n: number) => `part-${String(n).padStart(5, "0")}.jsonl.gz`

type Tallies = Record<string, { documents: number; characters: number }>

const tally = (map: Tallies, key: string, characters: number) => {
  const t = (map[key] ??= { documents: 0, characters: 0 })
  t.documents++
  t.characters += characters
}

const sortedRecord = <V>(r: Record<string, V>): Record<string, V> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

/** Removes what an interrupted release left behind; it was never visible under the release's name. */
const clearLeftovers = (outDir: string, name: string) => {
  if (!existsSync(outDir)) return
  for (const entry of readdirSync(outDir)) {
    if (entry.startsWith(`.${name}.partial-`) || entry.startsWith(`.${name}.old-`)) rmSync(join(outDir, entry), { recursive: true, force: true })
  }
}

/**
 * The release phase: a pure function of the catalog's kept documents and the configuration. Records
 * are ordered by (language, record id) and written into per-profile, per-language shards in a hidden
 * folder, which replaces `<out>/<name>` in one rename when everything is written.
 */
export const writeRelease = (options: ReleaseOptions) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    const catalog = yield* Releases
    const progress = yield* Progress
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.name)) {
      return yield* new ReleaseError({ release: options.name, reason: "a release name uses letters, digits, '.', '_' and '-' only" })
    }
    const unknown = options.profiles.filter((p) => !releaseProfiles.some((k) => k.name === p))
    if (unknown.length > 0) {
      return yield* new ReleaseError({ release: options.name, reason: `unknown profile(s) ${unknown.join(", ")}; known: ${releaseProfiles.map((p) => p.name).join(", ")}` })
    }
    const outDir = resolve(options.outDir)
    mkdirSync(outDir, { recursive: true })
    clearLeftovers(outDir, options.name)
    const staging = join(outDir, `.${options.name}.partial-${randomBytes(6).toString("hex")}`)
    mkdirSync(staging)
    const result = yield* writeShards(staging, options, settings.shardMaxBytes, minHashParams(yield* stageConfig(dedupStage))).pipe(
      Effect.tapErrorCause(() => Effect.sync(() => rmSync(staging, { recursive: true, force: true })))
    )
    const created = yield* nowIso
    const previous = yield* catalog.latestRelease
    const excluded = yield* (yield* Documents).countsByCode("exclusion")
    const flagged = yield* (yield* Documents).countsByCode("flag")
    const batches = yield* (yield* Batches).batches
    const tombstones = yield* catalog.tombstones
    const manifest: Manifest = {
      format: "acervo-manifest/1",
      release: options.name,
      created,
      pipeline: { version, config_sha256: configSha256(settings, yield* StageSettings) },
      previous: previous && previous.name !== options.name ? { release: previous.name, manifest_sha256: previous.manifest_sha256 } : null,
      profiles: options.profiles.map((p) => ({ name: p, description: releaseProfiles.find((k) => k.name === p)!.description })),
      batches: batches.map((b) => ({ institution: b.institution, id: b.batch_id, sha256: b.content_sha256 })),
      shards: result.shards,
      totals: result.totals,
      excluded: Object.fromEntries(excluded.map((r) => [r.code, r.n])),
      flagged: Object.fromEntries(flagged.map((r) => [r.code, r.n])),
      outside_profiles: result.outsideProfiles,
      withdrawn: tombstones.length
    }
    const manifestText = JSON.stringify(manifest, null, 2) + "\n"
    writeFileSync(join(staging, MANIFEST_FILE), manifestText)
    writeFileSync(join(staging, "ATTRIBUTION.md"), result.attribution.render(options.name))
    const croissant = croissantFor(manifest, { url: `releases/${options.name}/`, institutions: [...new Set(batches.map((b) => b.institution))].sort(), declaredFields: recordFields })
    writeFileSync(join(staging, "croissant.json"), JSON.stringify(croissant, null, 2) + "\n")
    writeFileSync(join(staging, "tombstones.jsonl"), tombstones.map((t) => JSON.stringify(t) + "\n").join(""))
    const finalDir = join(outDir, options.name)
    yield* Effect.sync(() => {
      const old = join(outDir, `.${options.name}.old-${randomBytes(6).toString("hex")}`)
      const hadOld = existsSync(finalDir)
      if (hadOld) renameSync(finalDir, old)
      renameSync(staging, finalDir)
      if (hadOld) rmSync(old, { recursive: true, force: true })
    })
    yield* catalog.recordRelease({
      name: options.name,
      createdAt: created,
      manifestSha256: sha256Hex(manifestText),
      outDir: finalDir,
      previous: manifest.previous?.release ?? null,
      shards: result.shards.map((s) => ({ path: s.path, sha256: s.sha256, bytes: s.bytes, documents: s.documents }))
    })
    yield* progress.done(`release: ${result.shards.length} shard(s), ${result.totals.documents} records written to ${finalDir}`)
    return { dir: finalDir, manifest } satisfies ReleaseSummary
  })

/**
 * A merged copy's similarity as the release states it: its shingle Jaccard similarity with the
 * survivor's text, measured when the release is written, so that it holds whichever copy the
 * cluster's survivor is now and whatever chunks the copies were processed in.
 */
const similarityToSurvivor = (copy: SourceRow, survivor: () => ShingleSet, params: MinHashParams): number =>
  copy.reason_code === "near-duplicate" && copy.body !== null ? jaccard(survivor(), shingles(copy.body, params)) : 1

const writeShards = (staging: string, options: ReleaseOptions, shardMaxBytes: number, shingleParams: MinHashParams) =>
  Effect.gen(function* () {
    const catalog = yield* Releases
    const progress = yield* Progress
    const io = <A>(label: string, run: () => Promise<A>) =>
      Effect.tryPromise({ try: run, catch: (e) => new ReleaseError({ release: options.name, reason: `${label} failed: ${(e as Error).message ?? String(e)}` }) })
    const shards: Array<ShardEntry> = []
    const attribution = new AttributionCollector()
    const totals = { documents: 0, characters: 0, by_language: {} as Tallies, by_license: {} as Tallies, by_institution: {} as Tallies, by_profile: {} as Tallies }
    const pii: Record<string, number> = {}
    const summed = recordFields.filter((f) => f.total)
    const fieldTotals = new Map(summed.map((f) => [f.name, { total: 0, by_language: {} as Record<string, number>, by_profile: {} as Record<string, number>, by_institution: {} as Record<string, number> }]))
    const add = (map: Record<string, number>, key: string, n: number) => {
      map[key] = (map[key] ?? 0) + n
    }
    let outsideProfiles = 0
    const open = new Map<string, { file: ShardFile; part: number; rel: string; profile: string; lang: string }>()
    const closeShard = (key: string) =>
      Effect.gen(function* () {
        const s = open.get(key)
        if (!s) return
        open.delete(key)
        const closed = yield* io(`closing ${s.rel}`, () => s.file.close())
        shards.push({ path: s.rel, sha256: closed.sha256, bytes: closed.bytes, documents: closed.documents, characters: closed.characters, lang: s.lang, profile: s.profile })
      })
    const parts = new Map<string, number>()
    let currentLang: string | undefined
    let after = { lang: "", recordId: "" }
    for (;;) {
      const page = yield* catalog.keptPage(after, PAGE)
      if (page.length === 0) break
      const dupRows = yield* catalog.duplicateSources(page.map((r) => r.record_id))
      const dups = new Map<string, Array<SourceRow>>()
      const bodies = new Map(page.map((r) => [r.record_id, r.body]))
      const survivorSets = new Map<string, ShingleSet>()
      const survivorSet = (id: string) => () => {
        let set = survivorSets.get(id)
        if (!set) survivorSets.set(id, (set = shingles(bodies.get(id)!, shingleParams)))
        return set
      }
      for (const d of dupRows) {
        const list = dups.get(d.duplicate_of) ?? []
        list.push({ ...d, similarity: similarityToSurvivor(d, survivorSet(d.duplicate_of), shingleParams) })
        dups.set(d.duplicate_of, list)
      }
      for (const row of page) {
        if (row.lang !== currentLang) {
          for (const key of [...open.keys()]) yield* closeShard(key)
          currentLang = row.lang
        }
        const admitted = JSON.parse(row.profiles_json) as Array<string>
        const profile = options.profiles.find((p) => admitted.includes(p))
        if (!profile) {
          outsideProfiles++
          continue
        }
        const fields = JSON.parse(row.fields_json) as DocumentFields
        const record = toRecord(row, fields, dups.get(row.record_id) ?? [], recordFields)
        const line = JSON.stringify(record)
        const key = `${profile}/${row.lang}`
        let shard = open.get(key)
        if (shard && shard.file.uncompressedBytes > 0 && shard.file.uncompressedBytes + line.length > shardMaxBytes) {
          yield* closeShard(key)
          shard = undefined
        }
        if (!shard) {
          const part = parts.get(key) ?? 0
          parts.set(key, part + 1)
          const rel = `shards/${profile}/${row.lang}/${partName(part)}`
          mkdirSync(join(staging, "shards", profile, row.lang), { recursive: true })
          shard = { file: new ShardFile(join(staging, rel)), part, rel, profile, lang: row.lang }
          open.set(key, shard)
        }
        const target = shard
        yield* io(`writing ${target.rel}`, () => target.file.write(line, record.text.length))
        totals.documents++
        totals.characters += record.text.length
        tally(totals.by_language, row.lang, record.text.length)
        tally(totals.by_license, row.license, record.text.length)
        tally(totals.by_institution, row.institution, record.text.length)
        tally(totals.by_profile, profile, record.text.length)
        for (const [type, n] of Object.entries(record.pii)) pii[type] = (pii[type] ?? 0) + n
        for (const f of summed) {
          const value = record[f.name]
          if (typeof value !== "number") continue
          const t = fieldTotals.get(f.name)!
          t.total += value
          add(t.by_language, row.lang, value)
          add(t.by_profile, profile, value)
          add(t.by_institution, row.institution, value)
        }
        if (row.attribution === 1) {
          attribution.add({
            institution: row.institution,
            batch: row.batch_id,
            license: row.license,
            labels: record.labels,
            title: record.title,
            creators: typeof fields.creators === "string" ? [fields.creators] : [...(fields.creators ?? [])]
          })
        }
      }
      const last = page[page.length - 1]!
      after = { lang: last.lang, recordId: last.record_id }
      yield* progress.update(() => `release: ${totals.documents} records written`)
    }
    for (const key of [...open.keys()]) yield* closeShard(key)
    shards.sort((a, b) => (a.path < b.path ? -1 : 1))
    return {
      shards,
      attribution,
      outsideProfiles,
      totals: {
        documents: totals.documents,
        characters: totals.characters,
        by_language: sortedRecord(totals.by_language),
        by_license: sortedRecord(totals.by_license),
        by_institution: sortedRecord(totals.by_institution),
        by_profile: sortedRecord(totals.by_profile),
        pii: sortedRecord(pii),
        fields: Object.fromEntries(
          [...fieldTotals].map(([name, t]): [string, FieldTotal] => [
            name,
            { total: t.total, by_language: sortedRecord(t.by_language), by_profile: sortedRecord(t.by_profile), by_institution: sortedRecord(t.by_institution) }
          ])
        )
      }
    }
  })
