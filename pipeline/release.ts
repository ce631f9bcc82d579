import { Effect, Fiber } from "effect"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { AttributionCollector } from "../manifests/attribution.ts"
import { MANIFEST_FILE, type Manifest, type ShardEntry } from "../manifests/manifest.ts"
import { releaseProfiles } from "../licenses/profiles.ts"
import { ShardFile } from "../stages/shard/shard-file.ts"
import type { LineBatch, RecordLines } from "../stages/shard/lines.ts"
import type { DocumentFields } from "../domain/batch-schema.ts"
import { Batches } from "../catalog/batches.ts"
import { Documents } from "../catalog/documents.ts"
import { Releases } from "../catalog/releases.ts"
import type { KeptRow, SourceRow } from "../domain/release-rows.ts"
import type { FieldTotal } from "../manifests/manifest.ts"
import { recordColumns, recordFields } from "../stages/index.ts"
import { CARD_FILE, datasetCard } from "../manifests/card.ts"
import { RECORD_SCHEMA_FILE, recordJsonSchemaText } from "../manifests/record-schema.ts"
import { nowIso } from "./clock.ts"
import { configSha256, Settings, stageConfig, StageSettings, type ShardFormat } from "./config.ts"
import { croissantFor } from "../manifests/croissant.ts"
import { minHashParams } from "../stages/dedup/config.ts"
import { dedupStage } from "../stages/dedup/dedup.ts"
import type { MinHashParams } from "../stages/dedup/minhash.ts"
import { ReleaseError } from "./errors.ts"
import { hashFile, sha256Hex } from "../domain/hashing.ts"
import { writeReleaseReport } from "./release-report.ts"
import { Progress } from "./progress.ts"
import { PurePool, type PureWork } from "./workers/pool.ts"
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
    const pool = yield* PurePool
    // Batches in flight: four a worker (measured: two leave the workers waiting while this fiber
    // waits for gzip), so that none waits while this fiber writes; none without workers.
    const result = yield* writeShards(staging, options, { maxBytes: settings.shardMaxBytes, formats: settings.shardFormats }, minHashParams(yield* stageConfig(dedupStage)), pool, 4 * pool.size).pipe(
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
    const institutions = [...new Set(batches.map((b) => b.institution))].sort()
    const croissant = croissantFor(manifest, { institutions, columns: recordColumns() })
    writeFileSync(join(staging, "croissant.json"), JSON.stringify(croissant, null, 2) + "\n")
    writeFileSync(join(staging, RECORD_SCHEMA_FILE), recordJsonSchemaText())
    writeFileSync(join(staging, CARD_FILE), datasetCard(manifest, recordColumns(), institutions))
    writeFileSync(join(staging, "tombstones.jsonl"), tombstones.map((t) => JSON.stringify(t) + "\n").join(""))
    yield* writeReleaseReport(staging, manifest, { tombstones, batches })
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
    const formats = [...new Set(result.shards.map((s) => s.format))]
    const shardCount = result.shards.filter((s) => s.format === formats[0]).length
    yield* progress.done(`release: ${shardCount} shard(s) as ${formats.map((f) => (f === "jsonl" ? "JSON lines" : "Parquet")).join(" and ")}, ${result.totals.documents} records written to ${finalDir}`)
    return { dir: finalDir, manifest } satisfies ReleaseSummary
  })

/** A batch of lines: enough work to be worth a message to a worker, little to hold in memory (texts' characters, near copies' included). */
const BATCH_ROWS = 100
const BATCH_CHARACTERS = 1_000_000

/** One shard stream: a profile's records of one language, split into parts at `shardMaxBytes`. */
interface OpenShard {
  readonly file: ShardFile
  readonly rel: string
  readonly profile: string
  readonly lang: string
}

/** A batch handed to the builder, and what the writer needs of it besides its lines. */
interface Pending {
  readonly key: string
  readonly profile: string
  readonly lang: string
  readonly characters: ReadonlyArray<number>
  readonly lines: Fiber.Fiber<RecordLines>
}

/**
 * Kept documents are read a page at a time on this fiber, in (language, record id) order, and cut
 * into batches of one shard stream (profile, language). `lines` builds a batch's JSON lines — in
 * the worker pool, several batches at once — and the batches are written in the order they were
 * read, each stream into its own gzip stream, so that the shards' bytes do not depend on how many
 * workers there are. A language's shards are closed (gzip's tail, rename) while the next one is
 * written. Totals and attribution are counted here in reading order.
 */
const writeShards = (
  staging: string,
  options: ReleaseOptions,
  shardFiles: { readonly maxBytes: number; readonly formats: ReadonlyArray<ShardFormat> },
  shingleParams: MinHashParams,
  pool: Pick<PureWork, "lines" | "parquet">,
  inFlight: number
) =>
  Effect.gen(function* () {
    const shardMaxBytes = shardFiles.maxBytes
    const lines = pool.lines
    const catalog = yield* Releases
    const progress = yield* Progress
    const io = <A>(label: string, run: () => Promise<A>) =>
      Effect.tryPromise({ try: run, catch: (e) => new ReleaseError({ release: options.name, reason: `${label} failed: ${(e as Error).message ?? String(e)}` }) })
    const attribution = new AttributionCollector()
    const totals = { documents: 0, characters: 0, by_language: {} as Tallies, by_license: {} as Tallies, by_institution: {} as Tallies, by_profile: {} as Tallies }
    const pii: Record<string, number> = {}
    const summed = recordFields.filter((f) => f.total)
    const fieldTotals = new Map(summed.map((f) => [f.name, { total: 0, by_language: {} as Record<string, number>, by_profile: {} as Record<string, number>, by_institution: {} as Record<string, number> }]))
    const add = (map: Record<string, number>, key: string, n: number) => {
      map[key] = (map[key] ?? 0) + n
    }
    let outsideProfiles = 0
    const open = new Map<string, OpenShard>()
    const parts = new Map<string, number>()
    const closing: Array<Fiber.Fiber<ReadonlyArray<ShardEntry>, ReleaseError>> = []
    const pending: Array<Pending> = []
    const closed: Array<ShardEntry> = []

    const closeShard = (key: string) =>
      Effect.gen(function* () {
        const s = open.get(key)!
        open.delete(key)
        // Closing waits for gzip's tail and the file, then a worker writes the Parquet twin; the next shards are written meanwhile.
        closing.push(
          yield* io(`closing ${s.rel}`, () => s.file.close()).pipe(
            Effect.flatMap((c) => {
              const entry = (path: string, format: ShardEntry["format"], sha256: string, bytes: number): ShardEntry => ({ path, sha256, bytes, documents: c.documents, characters: c.characters, lang: s.lang, profile: s.profile, format })
              const jsonl = entry(s.rel, "jsonl", c.sha256, c.bytes)
              if (!shardFiles.formats.includes("parquet")) return Effect.succeed([jsonl])
              const rel = s.rel.replace(/\.jsonl\.gz$/, ".parquet")
              return pool.parquet(join(staging, s.rel), join(staging, rel)).pipe(
                Effect.filterOrFail(
                  (written) => written.records === c.documents,
                  (written) => new ReleaseError({ release: options.name, reason: `${rel} holds ${written.records} records, its JSON lines ${c.documents}` })
                ),
                Effect.zipRight(io(`hashing ${rel}`, () => hashFile(join(staging, rel)))),
                Effect.map((hashed) => {
                  const parquet = entry(rel, "parquet", hashed.digest, hashed.bytes)
                  if (shardFiles.formats.includes("jsonl")) return [jsonl, parquet]
                  rmSync(join(staging, s.rel))
                  return [parquet]
                })
              )
            }),
            Effect.fork
          )
        )
      })
    const openShard = (key: string, profile: string, lang: string) => {
      const part = parts.get(key) ?? 0
      parts.set(key, part + 1)
      const rel = `shards/${profile}/${lang}/${partName(part)}`
      mkdirSync(join(staging, "shards", profile, lang), { recursive: true })
      const shard: OpenShard = { file: new ShardFile(join(staging, rel)), rel, profile, lang }
      open.set(key, shard)
      return shard
    }

    /** Writes the oldest batch's lines: runs of whole lines, a new part when one would pass `shardMaxBytes`. */
    const writeOldest = Effect.gen(function* () {
      const batch = pending.shift()!
      const { bytes, byteLengths, lengths } = yield* Fiber.join(batch.lines)
      // Batches come in reading order: one of a later language means the earlier ones are complete.
      for (const [key, s] of open) if (s.lang !== batch.lang) yield* closeShard(key)
      let shard = open.get(batch.key)
      let start = 0
      let at = 0
      let size = shard?.file.uncompressedBytes ?? 0
      let documents = 0
      let characters = 0
      const flush = (target: OpenShard) => io(`writing ${target.rel}`, () => target.file.write(bytes.subarray(start, at), documents, characters))
      for (let i = 0; i < lengths.length; i++) {
        if (shard && size > 0 && size + lengths[i]! > shardMaxBytes) {
          if (at > start) yield* flush(shard)
          yield* closeShard(batch.key)
          shard = undefined
        }
        if (!shard) {
          shard = openShard(batch.key, batch.profile, batch.lang)
          start = at
          size = 0
          documents = 0
          characters = 0
        }
        at += byteLengths[i]!
        size += byteLengths[i]!
        documents++
        characters += batch.characters[i]!
      }
      if (shard && at > start) yield* flush(shard)
      // Bounded: a closing shard holds at most gzip's buffer.
      while (closing.length > 8) yield* Fiber.join(closing.shift()!).pipe(Effect.map((entries) => closed.push(...entries)))
    })

    const submit = (key: string, profile: string, lang: string, rows: ReadonlyArray<KeptRow>, dups: Map<string, ReadonlyArray<SourceRow>>) =>
      Effect.gen(function* () {
        const batch: LineBatch = { rows, duplicates: rows.flatMap((r) => dups.get(r.record_id) ?? []), shingles: shingleParams }
        pending.push({ key, profile, lang, characters: rows.map((r) => r.body.length), lines: yield* Effect.fork(lines(batch)) })
        while (pending.length > inFlight) yield* writeOldest
      })

    const write = Effect.gen(function* () {
      let after = { lang: "", recordId: "" }
      let readingLang = ""
      for (;;) {
        const page = yield* catalog.keptPage(after, PAGE)
        if (page.length === 0) break
        const admitted = page.flatMap((row) => {
          const admits = JSON.parse(row.profiles_json) as Array<string>
          const profile = options.profiles.find((p) => admits.includes(p))
          if (!profile) outsideProfiles++
          return profile ? [{ row, profile }] : []
        })
        const dups = new Map<string, Array<SourceRow>>()
        for (const d of yield* catalog.duplicateSources(admitted.map((a) => a.row.record_id))) {
          const list = dups.get(d.duplicate_of) ?? []
          // An exact copy's text is the survivor's: only a near copy's is compared.
          list.push(d.reason_code === "near-duplicate" ? d : { ...d, body: null })
          dups.set(d.duplicate_of, list)
        }
        // Batches of one stream each, in reading order within the stream.
        const batches = new Map<string, { profile: string; lang: string; rows: Array<KeptRow>; characters: number }>()
        for (const { row, profile } of admitted) {
          const characters = row.body.length
          totals.documents++
          totals.characters += characters
          tally(totals.by_language, row.lang, characters)
          tally(totals.by_license, row.license, characters)
          tally(totals.by_institution, row.institution, characters)
          tally(totals.by_profile, profile, characters)
          if (row.pii_json) for (const [type, n] of Object.entries(JSON.parse(row.pii_json) as Record<string, number>)) pii[type] = (pii[type] ?? 0) + n
          if (summed.length > 0 && row.annotations_json) {
            const annotations = JSON.parse(row.annotations_json) as Record<string, unknown>
            for (const f of summed) {
              const value = annotations[f.name]
              if (typeof value !== "number") continue
              const t = fieldTotals.get(f.name)!
              t.total += value
              add(t.by_language, row.lang, value)
              add(t.by_profile, profile, value)
              add(t.by_institution, row.institution, value)
            }
          }
          if (row.attribution === 1) {
            const fields = JSON.parse(row.fields_json) as DocumentFields
            attribution.add({
              institution: row.institution,
              batch: row.batch_id,
              license: row.license,
              labels: [...(fields.labels ?? [])],
              title: fields.title ?? null,
              creators: typeof fields.creators === "string" ? [fields.creators] : [...(fields.creators ?? [])]
            })
          }
          const key = `${profile}/${row.lang}`
          // A language's batches go before the next language's, which closes its shards.
          if (row.lang !== readingLang) {
            for (const [k, b] of batches) yield* submit(k, b.profile, b.lang, b.rows, dups)
            batches.clear()
            readingLang = row.lang
          }
          let batch = batches.get(key)
          if (!batch) batches.set(key, (batch = { profile, lang: row.lang, rows: [], characters: 0 }))
          batch.rows.push(row)
          // The near copies' texts travel with the batch and are shingled there: they count too.
          batch.characters += characters
          for (const d of dups.get(row.record_id) ?? []) batch.characters += d.body?.length ?? 0
          if (batch.characters >= BATCH_CHARACTERS || batch.rows.length >= BATCH_ROWS) {
            batches.delete(key)
            yield* submit(key, profile, row.lang, batch.rows, dups)
          }
        }
        for (const [key, b] of batches) yield* submit(key, b.profile, b.lang, b.rows, dups)
        const last = page[page.length - 1]!
        after = { lang: last.lang, recordId: last.record_id }
        yield* progress.update(() => `release: ${totals.documents} records written`)
      }
      while (pending.length > 0) yield* writeOldest
      for (const key of [...open.keys()]) yield* closeShard(key)
      for (const f of closing.splice(0)) closed.push(...(yield* Fiber.join(f)))
    })
    yield* write.pipe(
      // On a failure nothing is left writing into the staging folder when it is removed.
      Effect.onError(() =>
        Effect.gen(function* () {
          for (const s of open.values()) s.file.abort()
          yield* Fiber.interruptAll(pending.map((p) => p.lines))
          yield* Effect.forEach(closing, Fiber.await, { discard: true })
        })
      )
    )
    const shards = closed.sort((a, b) => (a.path < b.path ? -1 : 1))
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
