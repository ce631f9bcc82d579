import type { HttpServerRequest } from "@effect/platform"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { createWriteStream, mkdirSync, renameSync, rmSync } from "node:fs"
import { join } from "node:path"
import type { ArchiveKind } from "../batch/archive.ts"
import { PayloadTooLarge, RequestTimedOut, UnsupportedMediaType, Unprocessable } from "./api.ts"

export interface UploadLimits {
  readonly maxBytes: number
  readonly idleSeconds: number
  readonly deadlineSeconds: number
}

export interface ReceivedUpload {
  readonly path: string
  readonly bytes: number
  readonly kind: ArchiveKind
}

const SNIFF_BYTES = 512

/** The archive format from its first bytes: the body's own signature, not what the client says it is. */
export const sniffArchive = (head: Buffer): ArchiveKind | undefined => {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 0x03 || head[2] === 0x05) && (head[3] === 0x04 || head[3] === 0x06)) return "zip"
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "tar.gz"
  if (head.length >= 262 && head.subarray(257, 262).toString("latin1") === "ustar") return "tar"
  return undefined
}

const megabytes = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`

type UploadRefusal = PayloadTooLarge | UnsupportedMediaType | RequestTimedOut | Unprocessable

/**
 * Streams a request body into `dir`, never holding more than a socket's worth of it in memory.
 * Refuses a declared or actual size over the limit, a body that is not a zip, tar or tar.gz, a
 * sender that stalls or takes too long; the part written so far is deleted. The request is not
 * destroyed on refusal, so the client still receives the JSON answer (sent with Connection: close).
 */
export const receiveUpload = (request: HttpServerRequest.HttpServerRequest, dir: string, limits: UploadLimits) =>
  Effect.async<ReceivedUpload, UploadRefusal>((resume) => {
    const declared = Number(request.headers["content-length"] ?? Number.NaN)
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      resume(Effect.fail(tooLarge(limits.maxBytes, `is ${megabytes(declared)}`)))
      return
    }
    const incoming = NodeHttpServerRequest.toIncomingMessage(request)
    mkdirSync(dir, { recursive: true })
    const path = join(dir, `upload-${randomBytes(8).toString("hex")}.part`)
    const file = createWriteStream(path, { flags: "wx" })
    let bytes = 0
    let head: Buffer | undefined = Buffer.alloc(0)
    let kind: ArchiveKind | undefined
    let settled = false

    const cleanup = () => {
      clearTimeout(idle)
      clearTimeout(deadline)
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("aborted", onAborted)
      incoming.off("error", onAborted)
      incoming.off("close", onClose)
    }
    /** Ends the upload once: stops listening, drops the partial file, answers with `outcome` if any. */
    const abandon = (outcome?: Effect.Effect<never, UploadRefusal>) => {
      if (settled) return
      settled = true
      cleanup()
      // Whatever else the client sends is read and dropped until the answer closes the connection.
      incoming.resume()
      // The file may still be opening, and so appear after an unlink now: remove it once it is closed,
      // and answer only then, so that a refusal leaves nothing behind by the time the client reads it.
      file.once("close", () => {
        rmSync(path, { force: true })
        if (outcome) resume(outcome)
      })
      file.destroy()
    }
    const refuse = (error: UploadRefusal) => abandon(Effect.fail(error))
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > limits.maxBytes) return refuse(tooLarge(limits.maxBytes, `passed ${megabytes(limits.maxBytes)} before it ended`))
      idle.refresh()
      if (head !== undefined) {
        head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)])
        if (head.length >= SNIFF_BYTES) {
          kind = sniffArchive(head)
          head = undefined
          if (!kind) return refuse(notAnArchive())
        }
      }
      if (!file.write(chunk)) {
        incoming.pause()
        file.once("drain", () => {
          if (!settled) incoming.resume()
        })
      }
    }
    const onEnd = () => {
      if (settled) return
      if (head !== undefined) {
        kind = sniffArchive(head)
        if (bytes === 0) return refuse(new Unprocessable({ reason: "upload-empty", message: "the request has no body; send the batch archive (.zip, .tar or .tar.gz) as the request body" }))
        if (!kind) return refuse(notAnArchive())
      }
      settled = true
      cleanup()
      file.end(() => {
        const final = `${path.slice(0, -".part".length)}.${kind}`
        try {
          renameSync(path, final)
          resume(Effect.succeed({ path: final, bytes, kind: kind! }))
        } catch (e) {
          rmSync(path, { force: true })
          resume(Effect.die(e))
        }
      })
    }
    const onAborted = () =>
      refuse(new RequestTimedOut({ reason: "upload-interrupted", message: "the connection closed before the whole archive arrived; send it again" }))
    const onClose = () => {
      if (!incoming.complete) onAborted()
    }
    const idle = setTimeout(
      () => refuse(new RequestTimedOut({ reason: "upload-stalled", message: `nothing arrived for ${limits.idleSeconds} s; check the connection and send the archive again` })),
      limits.idleSeconds * 1000
    )
    const deadline = setTimeout(
      () => refuse(new RequestTimedOut({ reason: "upload-too-slow", message: `the upload took longer than ${limits.deadlineSeconds} s; split the batch into smaller ones or use a faster connection` })),
      limits.deadlineSeconds * 1000
    )
    file.on("error", (e) => abandon(Effect.die(e)))
    incoming.on("data", onData)
    incoming.on("end", onEnd)
    incoming.on("aborted", onAborted)
    incoming.on("error", onAborted)
    incoming.on("close", onClose)
    incoming.resume()
    return Effect.sync(() => abandon())
  })

const tooLarge = (limit: number, what: string) =>
  new PayloadTooLarge({
    reason: "upload-too-large",
    message: `the upload ${what}, over the limit of ${megabytes(limit)}; split the batch into smaller batches`,
    limit_bytes: limit
  })

const notAnArchive = () =>
  new UnsupportedMediaType({ reason: "not-an-archive", message: "the request body is not a .zip, .tar or .tar.gz archive; pack the batch folder (with batch.json) into one and send it as the body" })
