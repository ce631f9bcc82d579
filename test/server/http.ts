import { Effect } from "effect"
import { request as httpRequest } from "node:http"
import type { Readable } from "node:stream"
import { createToken, type Role } from "../../pipeline/server/tokens.ts"
import { withApp } from "../helpers.ts"

export interface Answer {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly json: any
}

/**
 * One real HTTP request on loopback. The body may be a buffer (sent with Content-Length) or a
 * stream (sent chunked); an answer that arrives while the body is still being sent is returned,
 * as a client that reads responses early would see it.
 */
export const send = (
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: Buffer | string | Readable; headers?: Record<string, string> } = {}
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const url = new URL(path, base)
    const headers: Record<string, string> = { ...options.headers }
    if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`
    const body = options.body
    if (typeof body === "string" || Buffer.isBuffer(body)) headers["content-length"] = String(Buffer.byteLength(body))
    let answered = false
    const req = httpRequest(url, { method, headers }, (res) => {
      answered = true
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let json: unknown = null
        try {
          json = text ? JSON.parse(text) : null
        } catch {
          json = { text }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json })
      })
    })
    req.on("error", (e) => {
      if (!answered) reject(e)
    })
    if (body === undefined) req.end()
    else if (typeof body === "string" || Buffer.isBuffer(body)) req.end(body)
    else {
      body.on("error", () => req.destroy())
      body.pipe(req)
    }
  })

export const tokenFor = (home: string, institution: string, role: Role) =>
  Effect.runPromise(withApp(home)(createToken(institution, role, undefined))).then((t) => t.token)
