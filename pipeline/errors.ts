import { Data } from "effect"
import { type BatchProblem, formatProblem } from "../domain/problems.ts"

export { BatchProblem, formatProblem } from "../domain/problems.ts"

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

/** Why an archive is refused, as a code the server returns. */
export const archiveRefusalCodes = [
  "archive-path-escape",
  "archive-link",
  "archive-too-large",
  "archive-bomb",
  "archive-damaged",
  "archive-empty",
  "archive-unreadable",
  "archive-duplicate-entry",
  "archive-name-nul",
  "archive-name-encoding",
  "archive-header-mismatch",
  "archive-hidden-data",
] as const
export type ArchiveRefusalCode = (typeof archiveRefusalCodes)[number]

export class ArchiveRefused extends Data.TaggedError("ArchiveRefused")<{
  readonly archive: string
  readonly code: ArchiveRefusalCode
  readonly reason: string
  readonly entry?: string
}> {
  override get message() {
    return `${this.archive}: archive refused${this.entry ? ` at entry "${this.entry}"` : ""}: ${this.reason}`
  }
}

/** A command that reads the catalog was pointed at a home that has none: a typo, not an empty catalog. */
export class NoCatalog extends Data.TaggedError("NoCatalog")<{
  readonly home: string
}> {
  override get message() {
    return `no catalog at ${this.home}: nothing has been submitted there. Check --home (or ACERVO_HOME); \`acervo submit\` creates a catalog`
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

import { CatalogError } from "../catalog/errors.ts"

export { CatalogError }

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

export class RecordNotFound extends Data.TaggedError("RecordNotFound")<{
  readonly record: string
  readonly message: string
}> {}

/** Another process holds the catalog's run lock. */
export class RunLocked extends Data.TaggedError("RunLocked")<{
  readonly message: string
}> {}

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
  | RecordNotFound
  | RunLocked
