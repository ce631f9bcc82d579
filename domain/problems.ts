import { Either, ParseResult, Schema } from "effect"

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
  const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
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
      return { code: "field-invalid", file, path: renderPath(path), problem: issue.message, expected: "", fatal: true }
    })
  )
}
