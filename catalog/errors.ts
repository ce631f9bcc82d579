import { Data } from "effect"

/** A catalog operation that failed, with what it was doing. */
export class CatalogError extends Data.TaggedError("CatalogError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `catalog: ${this.operation} failed: ${detail}`
  }
}
