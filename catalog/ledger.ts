import { canonicalJson, sha256Hex } from "../domain/hashing.ts"

export const GENESIS_HASH = "0".repeat(64)

export interface LedgerRow {
  readonly seq: number
  readonly at: string
  readonly kind: string
  readonly entry_json: string
  readonly prev_hash: string
  readonly hash: string
}

/** SHA-256 over the previous entry's hash and this entry's canonical JSON. */
export const chainHash = (prevHash: string, entry: { seq: number; at: string; kind: string; entry: unknown }): string =>
  sha256Hex(prevHash + canonicalJson(entry))

/** Walks the chain in order; returns the first entry that does not hash to what is stored. */
export const firstBrokenEntry = (rows: Iterable<LedgerRow>, previous: { hash: string; seq: number } = { hash: GENESIS_HASH, seq: 0 }) => {
  let prev = previous.hash
  let expectedSeq = previous.seq + 1
  for (const row of rows) {
    if (row.seq !== expectedSeq) return { seq: row.seq, problem: `entry ${expectedSeq} is missing (next stored entry is ${row.seq})` }
    if (row.prev_hash !== prev) return { seq: row.seq, problem: "its previous-hash does not match the entry before it" }
    let entry: unknown
    try {
      entry = JSON.parse(row.entry_json)
    } catch {
      return { seq: row.seq, problem: "its body is not JSON" }
    }
    const expected = chainHash(prev, { seq: row.seq, at: row.at, kind: row.kind, entry })
    if (expected !== row.hash) return { seq: row.seq, problem: "its content does not hash to its stored hash (changed after it was written)" }
    prev = row.hash
    expectedSeq++
  }
  return undefined
}
