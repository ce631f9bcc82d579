import { Data, Effect, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { Catalog } from "../../catalog/catalog.ts"
import { nowIso } from "../clock.ts"
import { CatalogError, UsageError } from "../errors.ts"
import { sha256Hex } from "../../domain/hashing.ts"

export const Role = Schema.Literal("partner", "auditor", "operator")
export type Role = typeof Role.Type

/** Who is calling: what a valid token stands for. */
export interface Caller {
  readonly tokenId: string
  readonly institution: string
  readonly role: Role
}

export interface TokenRow {
  readonly id: string
  readonly institution: string
  readonly role: Role
  readonly label: string | null
  readonly created_at: string
  readonly revoked_at: string | null
}

export class TokenRefused extends Data.TaggedError("TokenRefused")<{
  readonly reason: "token-missing" | "token-invalid" | "token-revoked"
  readonly message: string
}> {}

const TOKEN_PREFIX = "acervo_"
const fail = (operation: string) => (cause: unknown) => new CatalogError({ operation, cause })

const slug = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

/**
 * Creates a bearer token: 32 random bytes, returned once; the catalog keeps its SHA-256 only, so a
 * copy of the catalog cannot be used to call the server. Recorded in the ledger without the token.
 */
export const createToken = (institution: string, role: Role, label: string | undefined) =>
  Effect.gen(function* () {
    if (!slug.test(institution)) {
      return yield* new UsageError({ message: `--institution "${institution}" must be a slug: lowercase letters, digits and single hyphens, as in batch.json` })
    }
    const catalog = yield* Catalog
    const sql = catalog.sql
    const id = `tok-${randomBytes(4).toString("hex")}`
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`
    const at = yield* nowIso
    yield* sql
      .withTransaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO tokens ${sql.insert({ id, token_sha256: sha256Hex(token), institution, role, label: label ?? null, created_at: at })}`
          yield* catalog.appendLedgerEntry(at, "token-created", { token: id, institution, role })
        })
      )
      .pipe(Effect.mapError(fail("storing the token")))
    return { id, token, institution, role }
  })

/** Revokes a token named by its id (`tok-…`) or by the token itself. */
export const revokeToken = (idOrToken: string) =>
  Effect.gen(function* () {
    const catalog = yield* Catalog
    const sql = catalog.sql
    const rows = yield* sql<TokenRow>`SELECT id, institution, role, label, created_at, revoked_at FROM tokens
      WHERE id = ${idOrToken} OR token_sha256 = ${sha256Hex(idOrToken)}`.pipe(Effect.mapError(fail("looking up the token")))
    const row = rows[0]
    if (!row) return yield* new UsageError({ message: `no token "${idOrToken}"; \`acervo token list\` shows token ids` })
    if (row.revoked_at !== null) return { ...row, alreadyRevoked: true }
    const at = yield* nowIso
    yield* sql
      .withTransaction(
        Effect.gen(function* () {
          yield* sql`UPDATE tokens SET revoked_at = ${at} WHERE id = ${row.id}`
          yield* catalog.appendLedgerEntry(at, "token-revoked", { token: row.id, institution: row.institution, role: row.role })
        })
      )
      .pipe(Effect.mapError(fail("revoking the token")))
    return { ...row, revoked_at: at, alreadyRevoked: false }
  })

export const listTokens = Effect.flatMap(Catalog, (catalog) =>
  catalog.sql<TokenRow>`SELECT id, institution, role, label, created_at, revoked_at FROM tokens ORDER BY created_at, id`.pipe(
    Effect.mapError(fail("listing tokens"))
  )
)

/** The caller a presented bearer token stands for, or why it is refused. */
export const authenticate = (presented: string) =>
  Effect.gen(function* () {
    const token = presented.trim()
    if (token.length === 0) {
      return yield* new TokenRefused({ reason: "token-missing", message: "send your token in an Authorization: Bearer header; your operator creates one with `acervo token create`" })
    }
    const catalog = yield* Catalog
    const rows = yield* catalog.sql<TokenRow>`SELECT id, institution, role, label, created_at, revoked_at FROM tokens WHERE token_sha256 = ${sha256Hex(token)}`.pipe(
      Effect.orDie
    )
    const row = rows[0]
    if (!row) return yield* new TokenRefused({ reason: "token-invalid", message: "this token is not known; check that it was pasted whole, or ask your operator for a new one" })
    if (row.revoked_at !== null) {
      return yield* new TokenRefused({ reason: "token-revoked", message: `this token was revoked on ${row.revoked_at.slice(0, 10)}; ask your operator for a new one` })
    }
    return { tokenId: row.id, institution: row.institution, role: row.role } satisfies Caller
  })
