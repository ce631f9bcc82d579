import { createRequire } from "node:module"
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

const require = createRequire(import.meta.url)
/** The SPDX licence list (current and deprecated ids) and exception list, as spdx-expression-parse used them. */
const spdxIds = new Set<string>([...(require("spdx-license-ids") as Array<string>), ...(require("spdx-license-ids/deprecated.json") as Array<string>)])
const spdxExceptions = new Set<string>(require("spdx-exceptions") as Array<string>)

/** A licence as the expression names it: `GPL-2.0+`, `Apache-2.0 WITH LLVM-exception`, `LicenseRef-x`. */
export interface LicenseLeaf {
  readonly license: string
  readonly plus: boolean
  readonly exception: string | undefined
}

/** How to combine licences: a leaf, every one of a list (`AND`), a choice among a list (`OR`). */
export interface LicenseAlgebra<V> {
  readonly leaf: (leaf: LicenseLeaf) => V
  readonly and: (values: ReadonlyArray<V>) => V
  readonly or: (values: ReadonlyArray<V>) => V
}

class SpdxSyntaxError extends Error {}

const WORD = /[A-Za-z0-9.-]+/y
const LICENSE_REF = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/

/**
 * Folds an SPDX licence expression (SPDX spec, annex D: `WITH` binds tightest, then `AND`, then
 * `OR`; parentheses; `+`; `LicenseRef-`, `DocumentRef-…:LicenseRef-…`) with `algebra`. Linear in
 * the length of the expression and iterative: one pass over the tokens with an explicit stack of
 * open parentheses, so neither a long chain of `AND`s nor deep parentheses costs more than their
 * length (spdx-expression-parse re-sliced the rest of the input for every token and recursed once
 * per operator: a 1 MB expression took seconds). Throws SpdxSyntaxError on a malformed expression.
 */
export const foldLicenseExpression = <V>(expression: string, algebra: LicenseAlgebra<V>): V => {
  const tokens: Array<{ text: string; kind: "punct" | "word"; at: number }> = []
  for (let at = 0; at < expression.length; ) {
    const c = expression[at]!
    if (/\s/.test(c)) {
      at++
    } else if (c === "(" || c === ")" || c === "+" || c === ":") {
      if (c === "+" && at > 0 && /\s/.test(expression[at - 1]!)) throw new SpdxSyntaxError(`space before "+" at offset ${at}`)
      tokens.push({ text: c, kind: "punct", at })
      at++
    } else {
      WORD.lastIndex = at
      const word = WORD.exec(expression)?.[0]
      if (word === undefined) throw new SpdxSyntaxError(`unexpected "${c}" at offset ${at}`)
      tokens.push({ text: word, kind: "word", at })
      at += word.length
    }
  }
  const operator = (t: { text: string; kind: string } | undefined) => (t?.kind === "word" ? (/^(?:and|or|with)$/i.test(t.text) ? t.text.toUpperCase() : undefined) : undefined)

  // Each open group holds the finished AND-terms of its OR and the operands of the AND being read.
  interface Group { readonly ors: Array<V>; ands: Array<V>; readonly openedAt: number }
  const stack: Array<Group> = [{ ors: [], ands: [], openedAt: -1 }]
  const closeAnd = (g: Group) => {
    g.ors.push(g.ands.length === 1 ? g.ands[0]! : algebra.and(g.ands))
    g.ands = []
  }
  const closeGroup = (g: Group) => {
    closeAnd(g)
    return g.ors.length === 1 ? g.ors[0]! : algebra.or(g.ors)
  }
  let expectOperand = true
  let i = 0
  while (i < tokens.length) {
    const t = tokens[i]!
    if (expectOperand) {
      if (t.text === "(" && t.kind === "punct") {
        stack.push({ ors: [], ands: [], openedAt: t.at })
        i++
        continue
      }
      if (t.kind !== "word" || operator(t) !== undefined) throw new SpdxSyntaxError(`expected a licence at offset ${t.at}, found "${t.text}"`)
      let license = t.text
      i++
      if (/^DocumentRef-[A-Za-z0-9.-]+$/.test(license) && tokens[i]?.text === ":" && tokens[i + 1]?.kind === "word") {
        license = `${license}:${tokens[i + 1]!.text}`
        i += 2
      }
      let leaf: LicenseLeaf
      if (LICENSE_REF.test(license)) leaf = { license, plus: false, exception: undefined }
      else if (spdxIds.has(license)) {
        const plus = tokens[i]?.text === "+" && tokens[i]?.kind === "punct"
        if (plus) i++
        let exception: string | undefined
        if (operator(tokens[i]) === "WITH") {
          const e = tokens[i + 1]
          if (e?.kind !== "word" || !spdxExceptions.has(e.text)) throw new SpdxSyntaxError(`expected an SPDX exception after WITH at offset ${tokens[i]!.at}`)
          exception = e.text
          i += 2
        }
        leaf = { license, plus, exception }
      } else throw new SpdxSyntaxError(`"${license}" at offset ${t.at} is not an SPDX licence id or a LicenseRef-`)
      stack[stack.length - 1]!.ands.push(algebra.leaf(leaf))
      expectOperand = false
      continue
    }
    const op = operator(t)
    if (op === "AND") expectOperand = true
    else if (op === "OR") {
      closeAnd(stack[stack.length - 1]!)
      expectOperand = true
    } else if (t.text === ")" && t.kind === "punct") {
      if (stack.length === 1) throw new SpdxSyntaxError(`unmatched ")" at offset ${t.at}`)
      const value = closeGroup(stack.pop()!)
      stack[stack.length - 1]!.ands.push(value)
    } else throw new SpdxSyntaxError(`expected AND, OR or ")" at offset ${t.at}, found "${t.text}"`)
    i++
  }
  if (tokens.length === 0) throw new SpdxSyntaxError("the expression is empty")
  if (expectOperand) throw new SpdxSyntaxError("the expression ends where a licence is expected")
  if (stack.length > 1) throw new SpdxSyntaxError(`the "(" at offset ${stack[stack.length - 1]!.openedAt} is never closed`)
  return closeGroup(stack[0]!)
}

const useRank: Record<LicenseUse, number> = { commercial: 0, "non-commercial": 1, "research-only": 2 }

const fromClass = (c: LicenseClass, exception?: string): ResolvedLicense => ({
  expression: exception ? `${c.id} WITH ${exception}` : c.id,
  use: c.use,
  attribution: c.attribution,
  shareAlike: c.shareAlike,
  derivatives: c.derivatives,
  terms: [exception ? `${c.id} WITH ${exception}` : c.id]
})

/** Most restrictive of all: the licensee must honour each. */
const all = (list: ReadonlyArray<ResolvedLicense>): ResolvedLicense => ({
  expression: `(${list.map((l) => l.expression).join(" AND ")})`,
  use: list.reduce<LicenseUse>((u, l) => (useRank[l.use] > useRank[u] ? l.use : u), "commercial"),
  attribution: list.some((l) => l.attribution),
  shareAlike: list.some((l) => l.shareAlike),
  derivatives: list.every((l) => l.derivatives),
  terms: list.flatMap((l) => l.terms)
})

/** The licensee's choice: the least restrictive, ties broken by fewer obligations, then by order. */
const choice = (list: ReadonlyArray<ResolvedLicense>): ResolvedLicense => {
  const weight = (l: ResolvedLicense) =>
    useRank[l.use] * 8 + (l.shareAlike ? 4 : 0) + (l.derivatives ? 0 : 2) + (l.attribution ? 1 : 0)
  return list.reduce((best, l) => (weight(l) < weight(best) ? l : best))
}

export const resolveLicense = (expression: string, registry: LicenseRegistry): LicenseResolution => {
  const unknown = new Set<string>()
  let resolved: ResolvedLicense | undefined
  try {
    // undefined stands for a licence not in the registry: AND with it fails, OR passes over it.
    resolved = foldLicenseExpression<ResolvedLicense | undefined>(expression.trim(), {
      leaf: (node) => {
        const id = node.plus ? `${node.license}-or-later` : node.license
        const c = registry.lookup(id) ?? registry.lookup(node.license)
        if (!c) {
          unknown.add(node.license)
          return undefined
        }
        return fromClass(c, node.exception)
      },
      and: (values) => (values.every((v) => v !== undefined) ? all(values as ReadonlyArray<ResolvedLicense>) : undefined),
      or: (values) => {
        const known = values.filter((v): v is ResolvedLicense => v !== undefined)
        return known.length > 0 ? choice(known) : undefined
      }
    })
  } catch (e) {
    if (e instanceof SpdxSyntaxError) return { _tag: "Invalid", detail: `not an SPDX expression: ${e.message}` }
    throw e
  }
  if (resolved) return { _tag: "Resolved", license: { ...resolved, expression: expression.trim() } }
  return { _tag: "Unknown", ids: [...unknown] }
}
