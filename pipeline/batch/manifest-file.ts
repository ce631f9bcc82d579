import { lstatSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { firstInvalidUtf8Byte } from "../../domain/characters.ts"
import { jsonShape } from "../../domain/json-shape.ts"
import type { AcervoSettings } from "../config.ts"
import type { BatchProblem } from "../errors.ts"

export type ManifestLimits = Pick<AcervoSettings, "maxBatchJsonBytes" | "maxBatchDocuments" | "maxJsonDepth" | "maxLicenseChars" | "maxTitleChars" | "maxFieldChars">

/** A size as a person reads it: bytes, KiB or MiB. */
export const byteSize = (n: number) => (n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`)

const refusal = (code: string, path: string, problem: string, expected: string): BatchProblem => ({ code, file: "batch.json", path, problem, expected, fatal: true })

const lineAndColumn = (text: string, index: number) => {
  const before = text.slice(0, index)
  return `line ${before.split("\n").length}, column ${before.length - before.lastIndexOf("\n")}`
}

const jsonProblem = (text: string, error: Error): BatchProblem => {
  const position = /position (\d+)/.exec(error.message)?.[1]
  return refusal("json-invalid", position !== undefined ? lineAndColumn(text, Number(position)) : "", `is not valid JSON: ${error.message}`, "a JSON object")
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * batch.json read strictly: its size checked before a byte is read, UTF-8 only (a replacement
 * character never stands in silently for a byte that is not), nesting bounded before anything
 * recursive sees it, and no key named twice in one object. Returns its text and value, or why not.
 */
export const readManifest = (root: string, limits: ManifestLimits): { readonly raw: string; readonly json: unknown } | { readonly problems: ReadonlyArray<BatchProblem> } => {
  const path = join(root, "batch.json")
  let bytes: Buffer
  try {
    const st = lstatSync(path)
    if (st.isSymbolicLink()) return { problems: [refusal("file-link", "", "is a symbolic link", "batch.json itself, not a link to it")] }
    if (st.size > limits.maxBatchJsonBytes) {
      return { problems: [refusal("manifest-too-large", "", `is ${byteSize(st.size)}, over the ${byteSize(limits.maxBatchJsonBytes)} limit (ACERVO_MAX_BATCH_JSON_BYTES)`, "a smaller batch.json: split the batch into several, or move long metadata into the documents' own files")] }
    }
    bytes = readFileSync(path)
  } catch (e) {
    return { problems: [refusal("manifest-unreadable", "", `cannot be read: ${(e as Error).message}`, "a readable batch.json")] }
  }
  let raw: string
  try {
    raw = utf8.decode(bytes)
  } catch {
    const at = firstInvalidUtf8Byte(bytes)
    const line = bytes.subarray(0, at).toString("latin1").split("\n").length
    return { problems: [refusal("manifest-invalid-utf8", `line ${line}, byte ${at}`, `is not valid UTF-8: byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")} at offset ${at} is not part of a UTF-8 character`, "batch.json saved as UTF-8 (re-save it as UTF-8 in the editor, or convert it with `iconv -f latin1 -t utf-8`)")] }
  }
  const text = raw.replace(/^\uFEFF/, "")
  const shape = jsonShape(text, limits.maxJsonDepth)
  if (shape.tooDeep) {
    return { problems: [refusal("json-too-deep", shape.tooDeep.path, `nests objects and arrays deeper than ${limits.maxJsonDepth} levels (ACERVO_MAX_JSON_DEPTH)`, "flatter JSON: metadata a few levels deep")] }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { problems: [jsonProblem(text, e as Error)] }
  }
  if (shape.duplicateKeys.length > 0) {
    return {
      problems: shape.duplicateKeys.map((d) => refusal("json-duplicate-key", d.path, `names the key "${d.key}" a second time in the same object; JSON readers disagree on which one counts`, `each key once: keep the "${d.key}" you mean and remove the other`))
    }
  }
  return { raw, json }
}

const isTitle = (path: string) => /^\$(?:\.defaults|\.documents\[\d+\])?\.(?:title|collection)$/.test(path)
/** Values whose schema bounds their length already (slug, batch id, document id and path). */
const isSchemaBounded = (path: string) => /^\$(?:\.institution|\.id|\.documents\[\d+\]\.(?:id|path))$/.test(path)
const isLicense = (path: string) => /^\$(?:\.defaults|\.documents\[\d+\])\.license$/.test(path)
const MAX_REPORTED = 20

/**
 * Values of batch.json past their documented limits, each named by its JSON path: more documents
 * than a batch may hold, a licence expression, title or any other string (keys of `metadata`
 * included) longer than its limit. Iterative: the depth is bounded, but not by a stack's worth.
 */
export const manifestLimitProblems = (json: unknown, limits: ManifestLimits): Array<BatchProblem> => {
  const problems: Array<BatchProblem> = []
  const over = new Map<string, number>()
  const report = (p: BatchProblem) => {
    const n = (over.get(p.code) ?? 0) + 1
    over.set(p.code, n)
    if (n <= MAX_REPORTED) problems.push(p)
  }
  const documents = (json as { documents?: unknown } | null)?.documents
  if (Array.isArray(documents) && documents.length > limits.maxBatchDocuments) {
    report(refusal("batch-too-many-documents", "$.documents", `lists ${documents.length} documents, over the ${limits.maxBatchDocuments} a batch may hold (ACERVO_MAX_BATCH_DOCUMENTS)`, `at most ${limits.maxBatchDocuments} documents: split the batch into several`))
  }
  const checkString = (path: string, value: string, what: "value" | "key") => {
    if (what === "value" && isSchemaBounded(path)) return
    if (what === "value" && isLicense(path)) {
      if (value.length > limits.maxLicenseChars) report(refusal("license-too-long", path, `is a licence expression of ${value.length} characters, over the ${limits.maxLicenseChars} limit (ACERVO_MAX_LICENSE_CHARS)`, "a short SPDX expression such as \"CC-BY-4.0\"; for partner terms add a LicenseRef- to the registry"))
      return
    }
    const max = what === "value" && isTitle(path) ? limits.maxTitleChars : limits.maxFieldChars
    const setting = max === limits.maxTitleChars && isTitle(path) ? "ACERVO_MAX_TITLE_CHARS" : "ACERVO_MAX_FIELD_CHARS"
    if (value.length > max) report(refusal("value-too-long", path, `${what === "key" ? "has a key" : "is"} ${value.length} characters long, over the ${max} limit (${setting})`, `at most ${max} characters: shorten it, or move long text into a document file`))
  }
  const stack: Array<{ path: string; value: unknown }> = [{ path: "$", value: json }]
  while (stack.length > 0) {
    const { path, value } = stack.pop()!
    if (typeof value === "string") checkString(path, value, "value")
    else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ path: `${path}[${i}]`, value: value[i] })
    } else if (value !== null && typeof value === "object") {
      const entries = Object.entries(value)
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i]!
        const at = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}]`
        checkString(at, key, "key")
        stack.push({ path: at, value: inner })
      }
    }
  }
  for (const [code, n] of over) {
    if (n > MAX_REPORTED) problems.push(refusal(code, "", `and ${n - MAX_REPORTED} more values like the ones above`, "each fixed the same way"))
  }
  return problems
}
