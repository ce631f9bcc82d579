import { Console, Effect, Option } from "effect"
import { table } from "../../table.ts"
import { createToken, listTokens, revokeToken, type Role } from "../../server/tokens.ts"
import { appLayer, existingCatalogLayer } from "../layers.ts"
import { overridesFrom } from "../options.ts"

export const create = ({ institution, role, label, home }: {
  readonly institution: string
  readonly role: Role
  readonly label: Option.Option<string>
  readonly home: Option.Option<string>
}) =>
  createToken(institution, role, Option.getOrUndefined(label)).pipe(
    Effect.flatMap((t) =>
      Console.log(
        [
          `token ${t.id} for ${t.institution} (${t.role}). It is shown this once and only its hash is kept; give it to its holder now.`,
          `Revoke it with \`acervo token revoke ${t.id}\`.`,
          t.token
        ].join("\n")
      )
    ),
    Effect.provide(appLayer(overridesFrom(home)))
  )

export const revoke = ({ token, home }: { readonly token: string; readonly home: Option.Option<string> }) =>
  revokeToken(token).pipe(
    Effect.flatMap((t) =>
      Console.log(t.alreadyRevoked ? `token ${t.id} was already revoked on ${t.revoked_at}` : `token ${t.id} (${t.institution}, ${t.role}) revoked; it is refused from now on`)
    ),
    Effect.provide(existingCatalogLayer(overridesFrom(home)))
  )

export const list = ({ home }: { readonly home: Option.Option<string> }) =>
  listTokens.pipe(
    Effect.flatMap((rows) =>
      Console.log(
        rows.length === 0
          ? "no token yet; create one with `acervo token create --institution ID --role partner`"
          : table(["token", "institution", "role", "label", "created", "revoked"], rows.map((r) => [r.id, r.institution, r.role, r.label ?? "", r.created_at.slice(0, 19), r.revoked_at?.slice(0, 19) ?? ""]))
      )
    ),
    Effect.provide(existingCatalogLayer(overridesFrom(home)))
  )
