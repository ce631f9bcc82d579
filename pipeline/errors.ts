import { Data } from "effect"

/** One thing wrong with a submitted batch, phrased for the partner who packed it. */
export interface BatchProblem {
  readonly file: string
  readonly path: string
  readonly problem: string
  readonly expected: string
  readonly fatal: boolean
}

export const formatProblem = (p: BatchProblem): string =>
  `${p.fatal ? "error" : "warning"}: ${p.file}${p.path ? ` at ${p.path}` : ""}: ${p.problem}${p.expected ? ` (expected ${p.expected})` : ""}`

export class BatchRejected extends Data.TaggedError("BatchRejected")<{
  readonly source: string
  readonly problems: ReadonlyArray<BatchProblem>
}> {
  override get message() {
    const fatal = this.problems.filter((p) => p.fatal).length
    return [
      `${this.source}: batch refused, nothing registered (${fatal} error(s), ${this.problems.length - fatal} warning(s)). Fix these and submit again:`,
      ...this.problems.map((p) => `  ${formatProblem(p)}`)
    ].join("\n")
  }
}

export class ArchiveRefused extends Data.TaggedError("ArchiveRefused")<{
  readonly archive: string
  readonly reason: string
  readonly entry?: string
}> {
  override get message() {
    return `${this.archive}: archive refused${this.entry ? ` at entry "${this.entry}"` : ""}: ${this.reason}`
  }
}

export class InputNotFound extends Data.TaggedError("InputNotFound")<{
  readonly path: string
  readonly hint: string
}> {
  override get message() {
    return `${this.path}: ${this.hint}`
  }
}

export class CatalogError extends Data.TaggedError("CatalogError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `catalog: ${this.operation} failed: ${detail}`
  }
}

export class ReleaseError extends Data.TaggedError("ReleaseError")<{
  readonly release: string
  readonly reason: string
}> {
  override get message() {
    return `release ${this.release}: ${this.reason}`
  }
}

export class VerificationFailed extends Data.TaggedError("VerificationFailed")<{
  readonly release: string
  readonly mismatches: ReadonlyArray<string>
}> {
  override get message() {
    return [`${this.release}: verification FAILED (${this.mismatches.length} problem(s)):`, ...this.mismatches.map((m) => `  - ${m}`)].join("\n")
  }
}

export class UsageError extends Data.TaggedError("UsageError")<{
  readonly message: string
}> {}

export type UserFacingError =
  | BatchRejected
  | ArchiveRefused
  | InputNotFound
  | CatalogError
  | ReleaseError
  | VerificationFailed
  | UsageError
