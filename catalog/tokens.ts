import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { sha256Hex } from "../domain/hashing.ts"
import { Role } from "../domain/roles.ts"
import { Ledger } from "./ledger.ts"
import { fail, firstRowOf, rowsOf } from "./rows.ts"

/** A bearer token as stored: never the token, only its SHA-256 (not selected either). */
export const TokenRow = Schema.Struct({
  id: Schema.String,
  institution: Schema.String,
  role: Role,
  label: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  revoked_at: Schema.NullOr(Schema.String)
})
export type TokenRow = typeof TokenRow.Type

export interface NewToken {
  readonly id: string
  /** The token itself; only its SHA-256 is stored. */
  readonly token: string
  readonly institution: string
  readonly role: Role
  readonly label: string | undefined
  readonly createdAt: string
}

const columns = "id, institution, role, label, created_at, revoked_at"

/** The intake server's bearer tokens, by SHA-256; creating and revoking one is recorded in the ledger. */
export class Tokens extends Effect.Service<Tokens>()("acervo/catalog/Tokens", {
  dependencies: [Ledger.Default],
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ledger = yield* Ledger

    const create = (t: NewToken) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`INSERT INTO tokens ${sql.insert({ id: t.id, token_sha256: sha256Hex(t.token), institution: t.institution, role: t.role, label: t.label ?? null, created_at: t.createdAt })}`
            yield* ledger.append(t.createdAt, { kind: "token-created", token: t.id, institution: t.institution, role: t.role })
          })
        )
        .pipe(Effect.mapError(fail("storing the token")))

    /** The token a presented bearer token stands for, revoked or not. */
    const byToken = (token: string) =>
      sql`SELECT ${sql.literal(columns)} FROM tokens WHERE token_sha256 = ${sha256Hex(token)}`.pipe(Effect.flatMap(firstRowOf(TokenRow)), Effect.mapError(fail("looking up the token")))

    /** A token named by its id (`tok-…`) or by the token itself. */
    const byIdOrToken = (idOrToken: string) =>
      sql`SELECT ${sql.literal(columns)} FROM tokens WHERE id = ${idOrToken} OR token_sha256 = ${sha256Hex(idOrToken)}`.pipe(
        Effect.flatMap(firstRowOf(TokenRow)),
        Effect.mapError(fail("looking up the token"))
      )

    const revoke = (token: TokenRow, at: string) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`UPDATE tokens SET revoked_at = ${at} WHERE id = ${token.id}`
            yield* ledger.append(at, { kind: "token-revoked", token: token.id, institution: token.institution, role: token.role })
          })
        )
        .pipe(Effect.mapError(fail("revoking the token")))

    const list = sql`SELECT ${sql.literal(columns)} FROM tokens ORDER BY created_at, id`.pipe(Effect.flatMap(rowsOf(TokenRow)), Effect.mapError(fail("listing tokens")))

    return { create, byToken, byIdOrToken, revoke, list } as const
  })
}) {}
