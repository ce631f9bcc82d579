import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"

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

/** Streams a file through a hash; returns the hex digest and the byte count. */
export const hashFile = (path: string, algorithm = "sha256") =>
  new Promise<{ digest: string; bytes: number }>((resolve, reject) => {
    const hash = createHash(algorithm)
    let bytes = 0
    createReadStream(path)
      .on("data", (chunk) => {
        hash.update(chunk as Buffer)
        bytes += (chunk as Buffer).length
      })
      .on("end", () => resolve({ digest: hash.digest("hex"), bytes }))
      .on("error", reject)
  })
