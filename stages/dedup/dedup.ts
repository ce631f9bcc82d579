import { Effect } from "effect"
import { canonicalJson } from "../../domain/hashing.ts"
import { excluded, kept, type ClusterMember, type DedupCluster, type PipelineDocument, type StageOutcome, type SurvivorFacts } from "../../domain/document.ts"
import { defineStage, type Settled } from "../stage.ts"
import { dedupConfig, minHashParams, type DedupConfig as DedupSettings } from "./config.ts"
import { dedupKeyHashOfUnits, dedupKeyUnits } from "./dedup-key.ts"
import { DedupIndex, DedupIndexError, type Demotion, type IndexEntry, type IndexedDocument } from "./dedup-index.ts"
import { bandBuckets, jaccard, shingles, shinglesOfKey, signature, type ShingleSet } from "./minhash.ts"
import { compareSurvivors, describeRule, electSurvivor, noiseOf } from "./survivor.ts"

/** Copies of one stored cluster read and compared before a document is taken not to belong to it. */
const VERIFY_ATTEMPTS = 3

/** Shingles of documents indexed in this run, kept in memory up to this many bytes (oldest out first). */
const SHINGLE_CACHE_BYTES = 96 * 1024 * 1024

const factsOf = (doc: PipelineDocument): SurvivorFacts => ({
  recordId: doc.recordId,
  batchSeq: doc.source.batchSeq,
  institution: doc.source.institution,
  path: doc.source.path,
  line: doc.source.line,
  kind: doc.fields.kind ?? null,
  noise: noiseOf(doc.quality),
  words: typeof doc.quality?.["words"] === "number" ? doc.quality["words"] : 0
})

class UnionFind {
  private readonly parent: Array<number> = []
  add(): number {
    this.parent.push(this.parent.length)
    return this.parent.length - 1
  }
  find(x: number): number {
    let root = x
    while (this.parent[root] !== root) root = this.parent[root]!
    while (this.parent[x] !== root) {
      const next = this.parent[x]!
      this.parent[x] = root
      x = next
    }
    return root
  }
  union(a: number, b: number) {
    const ra = this.find(a)
    const rb = this.find(b)
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
}

const percent = (s: number) => `${Math.round(s * 100)}%`

export const duplicateReason = (member: ClusterMember, survivor: ClusterMember) =>
  member.dedupKey === survivor.dedupKey ? ("exact-duplicate" as const) : ("near-duplicate" as const)

export const duplicateDetail = (member: ClusterMember, survivor: ClusterMember, settings: DedupSettings, note = "") => {
  const s = survivor.facts
  const where = `${s.institution}/${survivor.stored ? "" : "this run: "}${s.path}${s.line ? `#L${s.line}` : ""}`
  const how = member.dedupKey === survivor.dedupKey ? "same normalised text as" : `${percent(member.similarity)} of its ${settings.shingleWords}-word shingles shared within the cluster of`
  return `${how} record ${s.recordId} (${where}), the survivor by ${describeRule(settings)}${note}`
}

const markDuplicate = (doc: PipelineDocument, member: ClusterMember, survivor: ClusterMember, settings: DedupSettings, note = ""): StageOutcome =>
  excluded(
    { ...doc, duplicateOf: survivor.facts.recordId, similarity: member.similarity },
    "dedup",
    duplicateReason(member, survivor),
    duplicateDetail(member, survivor, settings, note)
  )

/**
 * The pure part: the dedup key and the shingles from one folding of the text, and the LSH buckets
 * of the shingles' MinHash signature.
 */
export const signDocument = (settings: DedupSettings) => {
  const params = minHashParams(settings)
  return (doc: PipelineDocument): StageOutcome => {
    const units = dedupKeyUnits(doc.text)
    const dedupKey = dedupKeyHashOfUnits(units)
    const set = shinglesOfKey(units, params)
    const lshBuckets = set.length > 0 ? bandBuckets(signature(set, params), params) : []
    return kept({ ...doc, dedupKey, shingles: set, lshBuckets })
  }
}

/** Shingle sets by record id, the oldest dropped first past a byte budget. */
class ShingleCache {
  private readonly sets = new Map<string, ShingleSet>()
  private bytes = 0
  constructor(private readonly budget: number) {}
  get(id: string) {
    return this.sets.get(id)
  }
  set(id: string, set: ShingleSet) {
    if (this.sets.has(id) || set.byteLength > this.budget) return
    this.sets.set(id, set)
    this.bytes += set.byteLength
    for (const [old, s] of this.sets) {
      if (this.bytes <= this.budget) break
      this.sets.delete(old)
      this.bytes -= s.byteLength
    }
  }
}

/**
 * Exact and near-duplicate detection against every document kept by earlier chunks and runs and
 * the earlier documents of this chunk. Exact copies share a dedup key; near copies share an LSH
 * bucket and then have their shingles' Jaccard similarity measured exactly (an estimate from 112
 * hashes is ±0.04 around 0.8, which would lose a third of the copies just above the threshold).
 * Copies are joined by union-find into clusters, and the survivor rule orders each cluster.
 */
const clusterChunk = (settings: DedupSettings, cache: ShingleCache) => (chunk: ReadonlyArray<PipelineDocument>) =>
  Effect.gen(function* () {
    const index = yield* DedupIndex
    const params = minHashParams(settings)
    const compare = compareSurvivors(settings)
    const sets: Array<ShingleSet> = chunk.map((d) => d.shingles ?? shingles(d.text, params))
    const buckets: Array<ReadonlyArray<number>> = chunk.map((d) => d.lshBuckets ?? [])
    const knownKeys = yield* index.survivorsByKey([...new Set(chunk.map((d) => d.dedupKey!))])
    const bucketRows = yield* index.candidates([...new Set(buckets.flat())])
    const storedByBucket = new Map<number, Array<string>>()
    for (const row of bucketRows) {
      const list = storedByBucket.get(row.bucket) ?? []
      list.push(row.recordId)
      storedByBucket.set(row.bucket, list)
    }
    const indexed = new Map<string, IndexedDocument>((yield* index.documents([...new Set(bucketRows.map((r) => r.recordId))])).map((d) => [d.recordId, d]))
    const survivorOf = (id: string) => {
      const row = indexed.get(id)
      return row?.status === "kept" ? row.recordId : (row?.duplicateOf ?? undefined)
    }

    // Stored candidates, per document and per survivor they belong to, most shared buckets first.
    // One verified copy links a document to a whole cluster, so a cluster's other copies are not
    // read; a copy that fails gives way to the next, at most VERIFY_ATTEMPTS per cluster.
    const plans = chunk.map((_, i) => {
      const shared = new Map<string, number>()
      for (const bucket of buckets[i]!) for (const id of storedByBucket.get(bucket) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1)
      const bySurvivor = new Map<string, Array<[string, number]>>()
      for (const [id, n] of shared) {
        const survivor = survivorOf(id)
        if (!survivor) continue
        const list = bySurvivor.get(survivor) ?? []
        list.push([id, n])
        bySurvivor.set(survivor, list)
      }
      return [...bySurvivor].map(([survivor, ids]) => ({
        survivor,
        ids: ids.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id),
        linked: undefined as number | undefined
      }))
    })
    const storedSets = new Map<string, ShingleSet>()
    for (let attempt = 0; attempt < VERIFY_ATTEMPTS; attempt++) {
      const wanted = new Set<string>()
      let open = false
      for (const plan of plans) {
        for (const p of plan) {
          const id = p.ids[attempt]
          if (p.linked !== undefined || !id) continue
          open = true
          if (storedSets.has(id)) continue
          const cached = cache.get(id)
          if (cached) storedSets.set(id, cached)
          else wanted.add(id)
        }
      }
      if (!open) break
      if (wanted.size > 0) {
        for (const row of yield* index.shingles([...wanted])) {
          const set = row.shingles ?? shingles(row.text ?? "", params)
          storedSets.set(row.recordId, set)
          cache.set(row.recordId, set)
        }
      }
      for (const [i, plan] of plans.entries()) {
        for (const p of plan) {
          const id = p.ids[attempt]
          if (p.linked !== undefined || !id) continue
          const stored = storedSets.get(id)
          if (!stored) continue
          const s = jaccard(sets[i]!, stored)
          if (s >= settings.jaccard) p.linked = s
        }
      }
    }

    const uf = new UnionFind()
    chunk.forEach(() => uf.add())
    const storedNode = new Map<string, number>()
    const nodeOfStored = (survivor: string) => {
      let n = storedNode.get(survivor)
      if (n === undefined) storedNode.set(survivor, (n = uf.add()))
      return n
    }
    const similarity = new Map<number, number>()
    const link = (a: number, b: number, s: number) => {
      uf.union(a, b)
      similarity.set(a, Math.max(similarity.get(a) ?? 0, s))
      similarity.set(b, Math.max(similarity.get(b) ?? 0, s))
    }

    const byKey = new Map<string, number>()
    const localByBucket = new Map<number, Array<number>>()
    for (const [i, doc] of chunk.entries()) {
      const key = doc.dedupKey!
      const storedSurvivor = knownKeys.get(key)
      if (storedSurvivor) link(i, nodeOfStored(storedSurvivor), 1)
      const same = byKey.get(key)
      if (same !== undefined) link(i, same, 1)
      else byKey.set(key, i)
      for (const p of plans[i]!) if (p.linked !== undefined) link(i, nodeOfStored(p.survivor), p.linked)
      const set = sets[i]!
      if (set.length === 0) continue
      const checked = new Set<number>()
      for (const bucket of buckets[i]!) {
        const local = localByBucket.get(bucket)
        for (const j of local ?? []) {
          if (checked.has(j)) continue
          checked.add(j)
          if (uf.find(i) === uf.find(j)) continue
          const s = jaccard(set, sets[j]!)
          if (s >= settings.jaccard) link(i, j, s)
        }
        if (local) local.push(i)
        else localByBucket.set(bucket, [i])
      }
    }

    const storedFacts = new Map((yield* index.survivorFacts([...storedNode.keys()])).map((f) => [f.facts.recordId, f]))
    const components = new Map<number, Array<ClusterMember & { index: number }>>()
    const add = (node: number, member: ClusterMember & { index: number }) => {
      const root = uf.find(node)
      const list = components.get(root) ?? []
      list.push(member)
      components.set(root, list)
    }
    for (const [i, doc] of chunk.entries()) {
      add(i, { facts: factsOf(doc), stored: false, dedupKey: doc.dedupKey!, similarity: similarity.get(i) ?? 1, index: i })
    }
    for (const [id, node] of storedNode) {
      const facts = storedFacts.get(id)
      if (facts) add(node, { facts: facts.facts, stored: true, dedupKey: facts.dedupKey, similarity: similarity.get(node) ?? 1, index: -1 })
    }

    const outcomes: Array<StageOutcome> = chunk.map((doc, i) => kept({ ...doc, shingles: sets[i]! }))
    for (const members of components.values()) {
      if (members.length < 2) continue
      members.sort((a, b) => compare(a.facts, b.facts))
      const cluster: DedupCluster = { members: members.map(({ index: _, ...m }) => m) }
      const survivor = members[0]!
      for (const m of members) {
        if (m.index < 0) continue
        const doc = { ...outcomes[m.index]!.document, cluster }
        outcomes[m.index] = m === survivor ? kept(doc) : markDuplicate(doc, m, survivor, settings)
      }
    }
    return outcomes
  })

/**
 * After the gate, each cluster's survivor is settled: the best copy that stands. A copy of this run
 * chosen as survivor may have been refused by the gate (no licence, no consent); then the next copy
 * in rule order is judged in its place, so a duplicate is never lost with the copy it was merged
 * into. Survivors in the catalog that a copy of this run now outranks are demoted.
 */
export const settleClusters = <E, R>(
  outcomes: ReadonlyArray<StageOutcome>,
  rejudge: (doc: PipelineDocument) => Effect.Effect<StageOutcome, E, R>,
  settings: DedupSettings
): Effect.Effect<{ readonly outcomes: ReadonlyArray<StageOutcome>; readonly demotions: ReadonlyArray<Demotion> }, E, R> =>
  Effect.gen(function* () {
    const result = [...outcomes]
    const position = new Map(result.map((o, i) => [o.document.recordId, i]))
    const demotions: Array<Demotion> = []
    const seen = new Set<DedupCluster>()
    for (const outcome of outcomes) {
      const cluster = outcome.document.cluster
      if (!cluster || seen.has(cluster)) continue
      seen.add(cluster)
      let regated = false
      const survivor = yield* electSurvivor(cluster.members, (member) =>
        Effect.gen(function* () {
          if (member.stored) return true
          const at = position.get(member.facts.recordId)
          if (at === undefined) return false
          const current = result[at]!
          if (current._tag === "Kept") return true
          if (current.reason.stage !== "dedup") return false
          const { duplicateOf: _d, similarity: _s, ...doc } = current.document
          const again = yield* rejudge(doc)
          result[at] = again
          regated = true
          return again._tag === "Kept"
        })
      )
      if (!survivor) continue
      const note = regated ? "; a better-ranked copy was refused by the gate" : ""
      const survivorIndex = cluster.members.indexOf(survivor)
      for (const [rank, member] of cluster.members.entries()) {
        if (member === survivor) continue
        if (member.stored) {
          if (rank > survivorIndex) {
            demotions.push({
              recordId: member.facts.recordId,
              survivor: survivor.facts.recordId,
              code: duplicateReason(member, survivor),
              similarity: member.similarity,
              detail: duplicateDetail(member, survivor, settings, "; it replaced this copy as survivor")
            })
          }
          continue
        }
        const at = position.get(member.facts.recordId)
        if (at === undefined) continue
        const current = result[at]!
        if (current._tag === "Excluded" && current.reason.stage === "dedup") result[at] = markDuplicate(current.document, member, survivor, settings, note)
      }
    }
    return { outcomes: result, demotions }
  })

/** Kept documents and near-duplicate copies go into the index; exact copies are found by their key. */
export const indexEntries = (outcomes: ReadonlyArray<StageOutcome>): ReadonlyArray<IndexEntry> =>
  outcomes.flatMap((outcome) => {
    const d = outcome.document
    if (!d.dedupKey) return []
    if (outcome._tag !== "Kept" && !(outcome.reason.code === "near-duplicate" && d.duplicateOf)) return []
    return [{ recordId: d.recordId, dedupKey: d.dedupKey, survivor: d.duplicateOf ?? d.recordId, buckets: d.lshBuckets ?? [], shingles: d.shingles }]
  })

/** The MinHash parameters are the index's: a catalog keeps one index, built with one setting. */
const checkIndexParams = (settings: DedupSettings) =>
  Effect.gen(function* () {
    const index = yield* DedupIndex
    const params = canonicalJson(minHashParams(settings))
    const builtWith = yield* index.builtWith
    if (builtWith !== undefined && builtWith !== params) {
      return yield* new DedupIndexError({
        operation: "checking its parameters",
        cause: `it was built with MinHash parameters ${builtWith}, not ${params}; set ACERVO_DEDUP_SHINGLE_WORDS, ACERVO_DEDUP_BANDS and ACERVO_DEDUP_ROWS back to the index's values (a catalog keeps one index; another setting needs a new ACERVO_HOME)`
      })
    }
    if (builtWith === undefined) yield* index.recordParams(params)
  })

export const dedupStage = defineStage<DedupSettings, DedupIndex, DedupIndexError>({
  name: "dedup",
  config: dedupConfig,
  describe: (c) => {
    const params = minHashParams(c)
    return `exact and near duplicates (MinHash ${params.bands}×${params.rows}, ${params.shingleWords}-word shingles, Jaccard ≥ ${c.jaccard}) across every batch ever submitted; survivor by ${describeRule(c)}`
  },
  pure: signDocument,
  prepare: (settings) =>
    Effect.gen(function* () {
      yield* checkIndexParams(settings)
      const index = yield* DedupIndex
      const cache = new ShingleCache(SHINGLE_CACHE_BYTES)
      let demotions: ReadonlyArray<Demotion> = []
      return {
        process: clusterChunk(settings, cache),
        settle: (outcomes, rejudge) =>
          Effect.map(settleClusters(outcomes, rejudge, settings), (settled): Settled => {
            demotions = settled.demotions
            return { outcomes: settled.outcomes, counts: { demoted: settled.demotions.length } }
          }),
        commit: (outcomes) =>
          Effect.gen(function* () {
            const entries = indexEntries(outcomes)
            yield* index.add(entries)
            yield* index.demote(demotions)
            for (const e of entries) if (e.shingles && e.shingles.length > 0) cache.set(e.recordId, e.shingles)
          })
      }
    })
})
