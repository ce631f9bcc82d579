import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Ledger } from "../../catalog/ledger.ts"
import { Tokens } from "../../catalog/tokens.ts"
import { sha256Hex } from "../../domain/hashing.ts"
import { at, memoryCatalog } from "./memory.ts"

const partnerToken = "acervo_partner-secret-0001"
const auditorToken = "acervo_auditor-secret-0002"

const created = Effect.gen(function* () {
  const tokens = yield* Tokens
  yield* tokens.create({ id: "tok-00000001", token: partnerToken, institution: "biblioteca", role: "partner", label: "intake desk", createdAt: at(1) })
  yield* tokens.create({ id: "tok-00000002", token: auditorToken, institution: "acervo", role: "auditor", label: undefined, createdAt: at(2) })
  return tokens
})

describe("Tokens", () => {
  it.effect("stores a token's SHA-256 only, finds it by the token or its id, and lists tokens in creation order", () =>
    Effect.gen(function* () {
      const tokens = yield* created
      const partner = { id: "tok-00000001", institution: "biblioteca", role: "partner", label: "intake desk", created_at: at(1), revoked_at: null }
      expect(yield* tokens.byToken(partnerToken)).toEqual(partner)
      expect(yield* tokens.byIdOrToken("tok-00000001")).toEqual(partner)
      expect(yield* tokens.byIdOrToken(partnerToken)).toEqual(partner)
      expect(yield* tokens.byToken(`${partnerToken}x`)).toBeUndefined()
      expect(yield* tokens.byToken("tok-00000001")).toBeUndefined()
      expect((yield* tokens.list).map((t) => [t.id, t.role, t.label])).toEqual([
        ["tok-00000001", "partner", "intake desk"],
        ["tok-00000002", "auditor", null]
      ])
      const sql = yield* SqlClient.SqlClient
      const stored = yield* sql<{ token_sha256: string }>`SELECT token_sha256 FROM tokens ORDER BY id`
      expect(stored).toEqual([{ token_sha256: sha256Hex(partnerToken) }, { token_sha256: sha256Hex(auditorToken) }])
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("revokes a token and records creation and revocation in the ledger, never the token", () =>
    Effect.gen(function* () {
      const tokens = yield* created
      const partner = (yield* tokens.byToken(partnerToken))!
      yield* tokens.revoke(partner, at(3))
      expect(yield* tokens.byToken(partnerToken)).toMatchObject({ id: "tok-00000001", revoked_at: at(3) })
      expect(yield* tokens.byToken(auditorToken)).toMatchObject({ id: "tok-00000002", revoked_at: null })
      const ledger = yield* Ledger
      const entries = yield* ledger.entries
      expect(entries.map((e) => [e.kind, e.entry])).toEqual([
        ["token-created", { token: "tok-00000001", institution: "biblioteca", role: "partner" }],
        ["token-created", { token: "tok-00000002", institution: "acervo", role: "auditor" }],
        ["token-revoked", { token: "tok-00000001", institution: "biblioteca", role: "partner" }]
      ])
      expect(JSON.stringify(entries)).not.toContain("secret")
      expect(yield* ledger.verify).toEqual({ entries: 3, broken: undefined })
    }).pipe(Effect.provide(memoryCatalog))
  )

  it.effect("refuses a second token with the same id and keeps no ledger entry for it", () =>
    Effect.gen(function* () {
      const tokens = yield* created
      const error = yield* Effect.flip(tokens.create({ id: "tok-00000001", token: "acervo_other", institution: "biblioteca", role: "operator", label: undefined, createdAt: at(4) }))
      expect(error.operation).toBe("storing the token")
      expect((yield* (yield* Ledger).entries).length).toBe(2)
      expect(yield* tokens.byToken("acervo_other")).toBeUndefined()
    }).pipe(Effect.provide(memoryCatalog))
  )
})
