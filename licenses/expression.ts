import parse, { type SpdxNode } from "spdx-expression-parse"
import type { LicenseClass, LicenseRegistry, LicenseUse } from "./registry.ts"

/** What a whole SPDX expression allows, once `AND` and `OR` are resolved. */
export interface ResolvedLicense {
  readonly expression: string
  readonly use: LicenseUse
  readonly attribution: boolean
  readonly shareAlike: boolean
  readonly derivatives: boolean
  /** The licence terms the licensee follows (for `OR`, the one chosen). */
  readonly terms: ReadonlyArray<string>
}

export type LicenseResolution =
  | { readonly _tag: "Resolved"; readonly license: ResolvedLicense }
  | { readonly _tag: "Invalid"; readonly detail: string }
  | { readonly _tag: "Unknown"; readonly ids: ReadonlyArray<string> }

const useRank: Record<LicenseUse, number> = { commercial: 0, "non-commercial": 1, "research-only": 2 }

const fromClass = (c: LicenseClass, exception?: string): ResolvedLicense => ({
  expression: exception ? `${c.id} WITH ${exception}` : c.id,
  use: c.use,
  attribution: c.attribution,
  shareAlike: c.shareAlike,
  derivatives: c.derivatives,
  terms: [exception ? `${c.id} WITH ${exception}` : c.id]
})

/** Most restrictive of both sides: the licensee must honour each. */
const both = (a: ResolvedLicense, b: ResolvedLicense): ResolvedLicense => ({
  expression: `(${a.expression} AND ${b.expression})`,
  use: useRank[a.use] >= useRank[b.use] ? a.use : b.use,
  attribution: a.attribution || b.attribution,
  shareAlike: a.shareAlike || b.shareAlike,
  derivatives: a.derivatives && b.derivatives,
  terms: [...a.terms, ...b.terms]
})

/** The licensee's choice: the least restrictive side, ties broken by fewer obligations. */
const either = (a: ResolvedLicense, b: ResolvedLicense): ResolvedLicense => {
  const weight = (l: ResolvedLicense) =>
    useRank[l.use] * 8 + (l.shareAlike ? 4 : 0) + (l.derivatives ? 0 : 2) + (l.attribution ? 1 : 0)
  return weight(b) < weight(a) ? b : a
}

export const resolveLicense = (expression: string, registry: LicenseRegistry): LicenseResolution => {
  let tree: SpdxNode
  try {
    tree = parse(expression.trim())
  } catch (e) {
    return { _tag: "Invalid", detail: `not an SPDX expression: ${(e as Error).message}` }
  }
  const unknown = new Set<string>()
  const walk = (node: SpdxNode): ResolvedLicense | undefined => {
    if ("license" in node) {
      const id = node.plus ? `${node.license}-or-later` : node.license
      const c = registry.lookup(id) ?? registry.lookup(node.license)
      if (!c) {
        unknown.add(node.license)
        return undefined
      }
      return fromClass(c, node.exception)
    }
    const l = walk(node.left)
    const r = walk(node.right)
    if (!l || !r) return node.conjunction === "or" ? l ?? r : undefined
    return node.conjunction === "and" ? both(l, r) : either(l, r)
  }
  const resolved = walk(tree)
  if (resolved) return { _tag: "Resolved", license: { ...resolved, expression: expression.trim() } }
  return { _tag: "Unknown", ids: [...unknown] }
}
