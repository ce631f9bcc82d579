import { Data, Effect } from "effect"
import { randomBytes } from "node:crypto"
import { Tokens } from "../../catalog/tokens.ts"
import { nowIso } from "../clock.ts"
import { UsageError } from "../errors.ts"
import type { Role } from "../../domain/roles.ts"

export { Role } from "../../domain/roles.ts"

/** Who is calling: what a valid token stands for. */
export interface Caller {
  readonly tokenId: string
  readonly institution: string
  readonly role: Role
}

export class TokenRefused extends Data.TaggedError("TokenRefused")<{
  readonly reason: "token-missing" | "token-invalid" | "token-revoked"
  readonly message: string
}> {}

const TOKEN_PREFIX = "acervo_"

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
    const tokens = yield* Tokens
    const id = `tok-${randomBytes(4).toString("hex")}`
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`
    yield* tokens.create({ id, token, institution, role, label, createdAt: yield* nowIso })
    return { id, token, institution, role }
  })

/** Revokes a token named by its id (`tok-…`) or by the token itself. */
export const revokeToken = (idOrToken: string) =>
  Effect.gen(function* () {
    const tokens = yield* Tokens
    const row = yield* tokens.byIdOrToken(idOrToken)
    if (!row) return yield* new UsageError({ message: `no token "${idOrToken}"; \`acervo token list\` shows token ids` })
    if (row.revoked_at !== null) return { ...row, alreadyRevoked: true }
    const at = yield* nowIso
    yield* tokens.revoke(row, at)
    return { ...row, revoked_at: at, alreadyRevoked: false }
  })

export const listTokens = Effect.flatMap(Tokens, (tokens) => tokens.list)

/** The caller a presented bearer token stands for, or why it is refused. */
export const authenticate = (presented: string) =>
  Effect.gen(function* () {
    const token = presented.trim()
    if (token.length === 0) {
      return yield* new TokenRefused({ reason: "token-missing", message: "send your token in an Authorization: Bearer header; your operator creates one with `acervo token create`" })
    }
    const row = yield* (yield* Tokens).byToken(token).pipe(Effect.orDie)
    if (!row) return yield* new TokenRefused({ reason: "token-invalid", message: "this token is not known; check that it was pasted whole, or ask your operator for a new one" })
    if (row.revoked_at !== null) {
      return yield* new TokenRefused({ reason: "token-revoked", message: `this token was revoked on ${row.revoked_at.slice(0, 10)}; ask your operator for a new one` })
    }
    return { tokenId: row.id, institution: row.institution, role: row.role } satisfies Caller
  })
