import { createHash } from "node:crypto"

export const sha256Hex = (data: string | Uint8Array): string =>
  createHash("sha256").update(data).digest("hex")

/** JSON with object keys sorted at every level, so equal values hash equally. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v
  )

/** Stable, globally unique record id derived from where the document came from. */
export const recordIdOf = (institution: string, batchId: string, localId: string): string =>
  sha256Hex(`acervo-record/1\u0000${institution}\u0000${batchId}\u0000${localId}`).slice(0, 32)
