import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, ParseResult } from "effect"
import { Ledger, type LedgerEntry } from "../../catalog/ledger.ts"
import { sha256Hex } from "../../domain/hashing.ts"
import { at, memoryCatalog } from "./memory.ts"

const entries: ReadonlyArray<LedgerEntry> = [
  { kind: "batch-submitted", institution: "biblioteca", batch: "b1", sha256: sha256Hex("b1"), files: 3 },
  { kind: "run-finished", run: 1, files: 3, documents: 12, kept: 10, excluded: { "too-short": 2 } },
  { kind: "withdrawn", batch: "biblioteca/b1", reason: "consent revoked", documents: 10, records_sha256: sha256Hex("ids"), reelected: 0 },
  { kind: "token-created", token: "tok-0a1b2c3d", institution: "biblioteca", role: "partner" }
]

const appended = Effect.gen(function* () {
  const ledger = yield* Ledger
  for (const [i, entry] of entries.entries()) yield* ledger.append(at(i + 1), entry)
  return ledger
})

/** An entry as it might arrive from outside the type checker: parsed JSON. */
const untyped = (json: string): LedgerEntry => JSON.parse(json)

describe("Ledger", () => {
  it.effect("appends entries in a hash chain that verifies, each stored without its kind in the body", () =>
    Effect.gen(function* () {
      const ledger = yield* appended
      expect(yield* ledger.verify).toEqual({ entries: 4, broken: undefined })
      const stored = yield* ledger.entries
      expect(stored.map((e) => [e.seq, e.at, e.kind])).toEqual([
        [1, at(1), "batch-submitted"],
        [2, at(2), "run-finished"],
        [3, at(3), "withdrawn"],
        [4, at(4), "token-created"]
      ])
      expect(stored[2]!.entry).toEqual({ batch: "biblioteca/b1", reason: "consent revoked", documents: 10, records_sha256: sha256Hex("ids"), reelected: 0 })
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ seq: number; prev_hash: string; hash: string }>`SELECT seq, prev_hash, hash FROM ledger ORDER BY seq`
      expect(rows[0]!.prev_hash).toBe("0".repeat(64))
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash)
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("verify names the first entry changed after it was written, or removed", () =>
    Effect.gen(function* () {
      const ledger = yield* appended
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE ledger SET entry_json = ${'{"documents":10,"files":3,"kept":12,"excluded":{},"run":1}'} WHERE seq = 2`
      expect(yield* ledger.verify).toEqual({ entries: 4, broken: { seq: 2, problem: "its content does not hash to its stored hash (changed after it was written)" } })
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("verify notices a removed entry and a broken link", () =>
    Effect.gen(function* () {
      const ledger = yield* appended
      const sql = yield* SqlClient.SqlClient
      yield* sql`DELETE FROM ledger WHERE seq = 3`
      expect((yield* ledger.verify).broken).toEqual({ seq: 4, problem: "entry 3 is missing (next stored entry is 4)" })
      yield* sql`UPDATE ledger SET seq = 3 WHERE seq = 4`
      expect((yield* ledger.verify).broken).toEqual({ seq: 3, problem: "its previous-hash does not match the entry before it" })
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("refuses an entry that does not fit its kind's schema, and writes nothing", () =>
    Effect.gen(function* () {
      const ledger = yield* appended
      const refusals = [
        // a count that is not a number
        untyped('{"kind":"batch-submitted","institution":"biblioteca","batch":"b2","sha256":"' + sha256Hex("b2") + '","files":"three"}'),
        // a withdrawal without its reason
        untyped('{"kind":"withdrawn","document":"r1","documents":1,"records_sha256":"' + sha256Hex("r1") + '","reelected":0}'),
        // a withdrawal naming both a batch and a document
        untyped('{"kind":"withdrawn","batch":"b1","document":"r1","reason":"asked","documents":1,"records_sha256":"' + sha256Hex("r1") + '","reelected":0}'),
        // a field the kind does not have: it would be hashed into the chain unchecked
        untyped('{"kind":"token-revoked","token":"tok-0a1b2c3d","institution":"biblioteca","role":"partner","secret":"acervo_xyz"}'),
        // a role no token has
        untyped('{"kind":"token-created","token":"tok-0a1b2c3d","institution":"biblioteca","role":"admin"}'),
        // a kind the ledger does not know
        untyped('{"kind":"batch-deleted","batch":"b1"}')
      ]
      for (const entry of refusals) {
        const error = yield* Effect.flip(ledger.append(at(9), entry))
        expect(error._tag).toBe("CatalogError")
        expect(error.operation).toBe(`writing a "${entry.kind}" ledger entry`)
        expect(ParseResult.isParseError(error.cause)).toBe(true)
      }
      expect(yield* ledger.verify).toEqual({ entries: 4, broken: undefined })
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("an entry written inside a transaction that fails is rolled back with it", () =>
    Effect.gen(function* () {
      const ledger = yield* appended
      const sql = yield* SqlClient.SqlClient
      const result = yield* sql
        .withTransaction(Effect.zipRight(ledger.append(at(5), { kind: "token-revoked", token: "tok-0a1b2c3d", institution: "biblioteca", role: "partner" }), Effect.fail("abandoned")))
        .pipe(Effect.flip)
      expect(result).toBe("abandoned")
      expect((yield* ledger.entries).map((e) => e.kind)).toEqual(["batch-submitted", "run-finished", "withdrawn", "token-created"])
    }).pipe(Effect.provide(memoryCatalog))
  )
})
