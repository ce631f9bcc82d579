import { Either, ParseResult, Schema } from "effect"
import type * as AST from "effect/SchemaAST"

/** One thing wrong with a submitted batch, phrased for the partner who packed it (CLI and server alike). */
export const BatchProblem = Schema.Struct({
  /** A stable reason code (kebab-case), listed in the README, for programs that act on refusals. */
  code: Schema.String,
  file: Schema.String,
  path: Schema.String,
  problem: Schema.String,
  expected: Schema.String,
  fatal: Schema.Boolean
})
export type BatchProblem = typeof BatchProblem.Type

export const formatProblem = (p: BatchProblem): string =>
  `${p.fatal ? "error" : "warning"}: ${p.file}${p.path ? ` at ${p.path}` : ""}: ${p.problem}${p.expected ? ` (expected ${p.expected})` : ""}`


/** The annotation that gives a refinement's failures their own reason code instead of `field-invalid`. */
export const ProblemCodeId: unique symbol = Symbol.for("acervo/ProblemCode")

/** `schema` whose failures are reported with `code` (`date-invalid`, `control-character`, …). */
export const withProblemCode = <A, I>(schema: Schema.Schema<A, I>, code: string): Schema.Schema<A, I> => schema.annotations({ [ProblemCodeId]: code })

/** The reason code of each refinement that failed, by the rendered path of the value it judged. */
const problemCodes = (issue: ParseResult.ParseIssue): Map<string, string> => {
  const codes = new Map<string, string>()
  const walk = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>): void => {
    switch (issue._tag) {
      case "Pointer":
        return walk(issue.issue, path.concat(issue.path))
      case "Composite":
        for (const inner of Array.isArray(issue.issues) ? issue.issues : [issue.issues as ParseResult.ParseIssue]) walk(inner, path)
        return
      case "Refinement": {
        const code = codeAnnotation(issue.ast)
        if (code !== undefined && issue.kind === "Predicate") codes.set(renderPath(path), code)
        else walk(issue.issue, path)
        return
      }
      case "Transformation":
        return walk(issue.issue, path)
      default:
        return
    }
  }
  walk(issue, [])
  return codes
}

const codeAnnotation = (ast: AST.AST): string | undefined => {
  const code = ast.annotations[ProblemCodeId]
  return typeof code === "string" ? code : undefined
}

const startsWith = (path: ReadonlyArray<PropertyKey>, prefix: ReadonlyArray<PropertyKey>) => prefix.length <= path.length && prefix.every((k, i) => path[i] === k)

const renderPath = (path: ReadonlyArray<PropertyKey>): string =>
  "$" + path.map((k) => (typeof k === "number" ? `[${k}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(k)) ? `.${String(k)}` : `[${JSON.stringify(String(k))}]`)).join("")

/**
 * Decodes `input` with every problem collected, not just the first, and phrases each one for a
 * person: where it is, what is wrong, what would be right.
 */
export const decodeAll = <A, I>(
  schema: Schema.Schema<A, I>,
  input: unknown,
  file: string,
  knownFields: ReadonlyArray<string>,
  pathPrefix: ReadonlyArray<PropertyKey> = []
): Either.Either<A, ReadonlyArray<BatchProblem>> => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(input)
  if (Either.isRight(result)) return Either.right(result.right)
  const all = ParseResult.ArrayFormatter.formatErrorSync(result.left)
  // An optional field's union adds "Expected undefined" beside the real problem at or under the same path: leave it out.
  const issues = all.filter((issue) => !(issue.message.startsWith("Expected undefined, actual") && all.some((other) => other !== issue && !other.message.startsWith("Expected undefined, actual") && startsWith(other.path, issue.path))))
  const codes = problemCodes(result.left.issue)
  return Either.left(
    issues.map((issue): BatchProblem => {
      const path = [...pathPrefix, ...issue.path]
      if (issue._tag === "Unexpected") {
        const key = String(issue.path[issue.path.length - 1] ?? "")
        return {
          code: "field-unknown",
          file,
          path: renderPath(path),
          problem: `unknown field "${key}"`,
          expected: `one of ${knownFields.join(", ")}${key === "licence" ? ' (the field is spelled "license")' : ""}`,
          fatal: true
        }
      }
      if (issue._tag === "Missing") {
        return { code: "field-missing", file, path: renderPath(path), problem: "required field is missing", expected: "a value", fatal: true }
      }
      return { code: codes.get(renderPath(issue.path)) ?? "field-invalid", file, path: renderPath(path), problem: issue.message, expected: "", fatal: true }
    })
  )
}
