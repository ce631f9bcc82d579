import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { canonicalJson, sha256Hex } from "../domain/hashing.ts"
import { Role } from "../domain/roles.ts"
import { fail, firstRowOf, rowsOf } from "./rows.ts"

export const GENESIS_HASH = "0".repeat(64)

const Sha256 = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/))
const Count = Schema.NonNegativeInt

/** A batch registered: who sent it, its content hash and file count, and the bag's fields when it came as a BagIt bag. */
export const BatchSubmitted = Schema.Struct({
  kind: Schema.Literal("batch-submitted"),
  institution: Schema.String,
  batch: Schema.String,
  sha256: Sha256,
  files: Count,
  bag: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
})

/** A processing run finished, with its totals; `demoted` is what the dedup stage counted while settling chunks. */
export const RunFinished = Schema.Struct({
  kind: Schema.Literal("run-finished"),
  run: Schema.Int,
  files: Count,
  documents: Count,
  kept: Count,
  excluded: Schema.Record({ key: Schema.String, value: Count }),
  demoted: Schema.optional(Count)
})

export const ReleaseWritten = Schema.Struct({
  kind: Schema.Literal("release-written"),
  release: Schema.String,
  manifest_sha256: Sha256,
  shards: Count
})

const withdrawal = {
  kind: Schema.Literal("withdrawn"),
  reason: Schema.NonEmptyString,
  documents: Count,
  /** SHA-256 over the withdrawn record ids, sorted, one a line. */
  records_sha256: Sha256,
  reelected: Count
}

/** A batch (ID or INSTITUTION/ID) or one document (record id) withdrawn, never both. */
export const Withdrawn = Schema.Union(
  Schema.Struct({ ...withdrawal, batch: Schema.String }),
  Schema.Struct({ ...withdrawal, document: Schema.String })
)

const token = { token: Schema.String.pipe(Schema.pattern(/^tok-[0-9a-f]+$/)), institution: Schema.String, role: Role }
export const TokenCreated = Schema.Struct({ kind: Schema.Literal("token-created"), ...token })
export const TokenRevoked = Schema.Struct({ kind: Schema.Literal("token-revoked"), ...token })

/** Every entry the ledger takes, told apart by `kind`; an entry is checked against its kind's schema when it is written. */
export const LedgerEntry = Schema.Union(BatchSubmitted, RunFinished, ReleaseWritten, Withdrawn, TokenCreated, TokenRevoked)
export type LedgerEntry = typeof LedgerEntry.Type
export type LedgerKind = LedgerEntry["kind"]

export const LedgerRow = Schema.Struct({
  seq: Schema.Number,
  at: Schema.String,
  kind: Schema.String,
  entry_json: Schema.String,
  prev_hash: Schema.String,
  hash: Schema.String
})
export type LedgerRow = typeof LedgerRow.Type

/** A stored entry with its body parsed, as `acervo audit trace` reads it. */
const StoredEntry = Schema.Struct({
  seq: Schema.Number,
  at: Schema.String,
  kind: Schema.String,
  entry_json: Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  hash: Schema.String
})

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

const encodeEntry = Schema.encodeUnknown(LedgerEntry, { onExcessProperty: "error" })
const LastRow = Schema.Struct({ seq: Schema.Number, hash: Schema.String })

/**
 * The hash-chained ledger: every entry's hash covers the one before it, so a changed or removed
 * entry is found by `verify`. `append` writes within whatever transaction it runs in, so an entry
 * commits with the change it records.
 */
export class Ledger extends Effect.Service<Ledger>()("acervo/catalog/Ledger", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const append = (at: string, entry: LedgerEntry) =>
      Effect.gen(function* () {
        const { kind, ...body } = yield* encodeEntry(entry)
        const last = yield* sql`SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`.pipe(Effect.flatMap(firstRowOf(LastRow)))
        const prevHash = last?.hash ?? GENESIS_HASH
        const seq = (last?.seq ?? 0) + 1
        const hash = chainHash(prevHash, { seq, at, kind, entry: body })
        yield* sql`INSERT INTO ledger ${sql.insert({ seq, at, kind, entry_json: canonicalJson(body), prev_hash: prevHash, hash })}`
      }).pipe(Effect.mapError(fail(`writing a "${entry.kind}" ledger entry`)))

    /** How many entries there are, and the first whose hash does not hold (undefined when the chain is intact). */
    const verify = sql`SELECT seq, at, kind, entry_json, prev_hash, hash FROM ledger ORDER BY seq`.pipe(
      Effect.flatMap(rowsOf(LedgerRow)),
      Effect.map((rows) => ({ entries: rows.length, broken: firstBrokenEntry(rows) })),
      Effect.mapError(fail("reading the ledger"))
    )

    /** Every entry in order, its body parsed. */
    const entries = sql`SELECT seq, at, kind, entry_json, hash FROM ledger ORDER BY seq`.pipe(
      Effect.flatMap(rowsOf(StoredEntry)),
      Effect.map((rows) => rows.map(({ entry_json, ...r }) => ({ ...r, entry: entry_json }))),
      Effect.mapError(fail("reading the ledger"))
    )

    return { append, verify, entries } as const
  })
}) {}
