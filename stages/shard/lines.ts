import type { KeptRow, SourceRow } from "../../domain/release-rows.ts"
import { encodeReleaseRecord, recordFields } from "../index.ts"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import { jaccard, type MinHashParams, shingles, type ShingleSet } from "../dedup/minhash.ts"
import { toRecord } from "./record.ts"

/** Kept documents bound for one shard stream, in (language, record id) order, and their merged copies. */
export interface LineBatch {
  readonly rows: ReadonlyArray<KeptRow>
  /** The copies merged into `rows`, each survivor's in the catalog's order (`duplicateSources`). */
  readonly duplicates: ReadonlyArray<SourceRow>
  readonly shingles: MinHashParams
}

/** A batch's shard lines, ready for gzip: plain data and typed arrays, so it crosses threads as a structured clone. */
export interface RecordLines {
  /** Every record's JSON and a newline, UTF-8, one after the other in the batch's order. */
  readonly bytes: Uint8Array
  /** Each line's length in bytes, newline included. */
  readonly byteLengths: Uint32Array
  /** Each line's length in UTF-16 code units, newline excluded: what a shard's size limit compares. */
  readonly lengths: Uint32Array
}

/**
 * A merged copy's similarity as the release states it: its shingle Jaccard similarity with the
 * survivor's text, measured when the release is written, so that it holds whichever copy the
 * cluster's survivor is now and whatever chunks the copies were processed in.
 */
const similarityToSurvivor = (copy: SourceRow, survivor: () => ShingleSet, params: MinHashParams): number =>
  copy.reason_code === "near-duplicate" && copy.body !== null ? jaccard(survivor(), shingles(copy.body, params)) : 1

/**
 * The release's CPU work on a batch: records, duplicates' similarities, JSON, UTF-8. A function of
 * the batch alone, so it runs in a worker thread or in place and gives the same bytes.
 */
export const recordLines = (batch: LineBatch): RecordLines => {
  const dups = new Map<string, Array<SourceRow>>()
  const bodies = new Map(batch.rows.map((r) => [r.record_id, r.body]))
  const survivorSets = new Map<string, ShingleSet>()
  const survivorSet = (id: string) => () => {
    let set = survivorSets.get(id)
    if (!set) survivorSets.set(id, (set = shingles(bodies.get(id)!, batch.shingles)))
    return set
  }
  for (const d of batch.duplicates) {
    const list = dups.get(d.duplicate_of) ?? []
    list.push({ ...d, similarity: similarityToSurvivor(d, survivorSet(d.duplicate_of), batch.shingles) })
    dups.set(d.duplicate_of, list)
  }
  const lines = batch.rows.map((row) => encodeReleaseRecord(toRecord(row, JSON.parse(row.fields_json) as DocumentFields, dups.get(row.record_id) ?? [], recordFields)))
  const byteLengths = new Uint32Array(lines.length)
  const lengths = new Uint32Array(lines.length)
  let total = 0
  for (const [i, line] of lines.entries()) {
    lengths[i] = line.length
    byteLengths[i] = Buffer.byteLength(line, "utf8") + 1
    total += byteLengths[i]!
  }
  // Its own ArrayBuffer (not Node's shared pool), so that a structured clone copies this batch only.
  const bytes = Buffer.allocUnsafeSlow(total)
  let at = 0
  for (const line of lines) {
    at += bytes.write(line, at, "utf8")
    bytes[at++] = 0x0a
  }
  return { bytes, byteLengths, lengths }
}
