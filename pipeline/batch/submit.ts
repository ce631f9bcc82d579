import { Effect, Either } from "effect"
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { pipeline } from "node:stream/promises"
import { Writable } from "node:stream"
import { createGunzip } from "node:zlib"
import { readerFor, readers } from "../../stages/ingest/readers/index.ts"
import { resolveLicense } from "../../licenses/expression.ts"
import { availableLanguages } from "../../stages/langid/identify.ts"
import { defaultRegistry } from "../../licenses/partner-licenses.ts"
import { Batches, type NewFile } from "../../catalog/batches.ts"
import { nowIso } from "../clock.ts"
import { Settings } from "../config.ts"
import { BatchRejected, InputNotFound, type BatchProblem } from "../errors.ts"
import { canonicalJson, hashFile, sha256Hex } from "../../domain/hashing.ts"
import { archiveKind, expandArchive } from "./archive.ts"
import { patternProblems } from "./patterns.ts"
import { isBag, verifyBag, type BagInfo } from "./bagit.ts"
import { xmlProblems } from "./xml-check.ts"
import { decodeAll } from "../../domain/problems.ts"
import { BatchManifest, knownFieldNames, type DocumentFields } from "../../domain/batch-schema.ts"
import { IGNORED_NAMES, listBatchFiles } from "./batch-files.ts"
import { byteSize, manifestLimitProblems, readManifest, type ManifestLimits } from "./manifest-file.ts"
import { cleanAbandonedIntake, privateName, removeTree, storeAndRegister } from "./store.ts"

export interface SubmitResult {
  readonly status: "registered" | "already-registered"
  readonly institution: string
  readonly batchId: string
  readonly contentSha256: string
  readonly documents: number
  readonly warnings: ReadonlyArray<BatchProblem>
}

const supportedExtensions = [...new Set(readers.flatMap((r) => r.extensions))].join(", ")

const IGNORED = IGNORED_NAMES

/** Reads a gzip file through to the end, so a truncated one is refused at the door. */
const gzipIntact = async (path: string): Promise<string | undefined> => {
  try {
    await pipeline(createReadStream(path), createGunzip(), new Writable({ write: (_c, _e, cb) => cb() }))
    return undefined
  } catch (e) {
    return (e as Error).message
  }
}

/** The folder holding batch.json: the root itself, or the one folder an archive wraps it in. */
const findBatchRoot = (dir: string): string | undefined => {
  if (existsSync(join(dir, "batch.json")) || isBag(dir)) return dir
  const entries = readdirSync(dir).filter((n) => !IGNORED.has(n))
  if (entries.length === 1 && statSync(join(dir, entries[0]!)).isDirectory()) return findBatchRoot(join(dir, entries[0]!))
  return undefined
}

/** Listed paths that are not in the batch, checked even when batch.json has other problems. */
const missingPaths = (root: string, json: unknown): Array<BatchProblem> => {
  const documents = (json as { documents?: unknown } | null)?.documents
  if (!Array.isArray(documents)) return []
  return documents.flatMap((entry: unknown, i): Array<BatchProblem> => {
    const path = (entry as { path?: unknown } | null)?.path
    if (typeof path !== "string" || path.length === 0) return []
    const clean = path.replace(/^\.\//, "")
    return escapesRoot(clean) || !existsSync(join(root, clean))
      ? [{ code: "path-missing", file: "batch.json", path: `$.documents[${i}].path`, problem: `"${path}" does not exist in the batch`, expected: "a file inside the batch folder", fatal: true }]
      : []
  })
}

const escapesRoot = (path: string) => path.startsWith("/") || path.split("/").includes("..")

interface ValidatedBatch {
  readonly manifest: BatchManifest
  readonly manifestJson: string
  readonly institution: string
  readonly files: ReadonlyArray<NewFile>
  readonly allFiles: ReadonlyArray<{ path: string; sha256: string }>
  readonly problems: ReadonlyArray<BatchProblem>
}

type SubmitLimits = ManifestLimits & { readonly maxBatchFieldsBytes: number; readonly maxDocumentFieldsBytes: number }

const validateFolder = (root: string, institutionOverride: string | undefined, institutionSource: string, limits: SubmitLimits) =>
  Effect.promise(async (): Promise<ValidatedBatch | { problems: ReadonlyArray<BatchProblem> }> => {
    const problems: Array<BatchProblem> = []
    const read = readManifest(root, limits)
    if ("problems" in read) return { problems: read.problems }
    const { raw, json } = read
    const limitProblems = manifestLimitProblems(json, limits)
    const decoded = decodeAll(BatchManifest, json, "batch.json", knownFieldNames.batch)
    if (Either.isLeft(decoded) || limitProblems.some((p) => p.code === "batch-too-many-documents")) {
      // Report unknown document fields with the document-level list of known fields.
      const schemaProblems = Either.isLeft(decoded) ? decoded.left.map((p) => (p.path.includes(".documents[") || p.path.includes(".defaults") ? { ...p, expected: p.expected.replace(knownFieldNames.batch.join(", "), knownFieldNames.document.join(", ")) } : p)) : []
      return { problems: [...limitProblems, ...schemaProblems, ...(Either.isLeft(decoded) ? missingPaths(root, json) : [])] }
    }
    problems.push(...limitProblems)
    const manifest = decoded.right
    if (institutionOverride !== undefined && institutionOverride !== manifest.institution) {
      problems.push({ code: "institution-mismatch", file: "batch.json", path: "$.institution", problem: `is "${manifest.institution}" but ${institutionSource} says "${institutionOverride}"`, expected: `"${institutionOverride}": a batch is submitted by the institution it belongs to`, fatal: true })
    }
    const present = listBatchFiles(root, problems).filter((p) => p !== "batch.json")
    if (!manifest.documents && present.length > limits.maxBatchDocuments) {
      problems.push({ code: "batch-too-many-documents", file: "batch.json", path: "", problem: `the batch has no documents list and holds ${present.length} files, each a document: over the ${limits.maxBatchDocuments} a batch may hold (ACERVO_MAX_BATCH_DOCUMENTS)`, expected: `at most ${limits.maxBatchDocuments} documents: split the batch into several`, fatal: true })
      return { problems }
    }
    const presentSet = new Set(present)
    const defaults: DocumentFields = manifest.defaults ?? {}
    const chosen: Array<{ path: string; id: string | undefined; fields: DocumentFields; at: string }> = []
    if (manifest.documents) {
      const seenPaths = new Map<string, number>()
      const seenIds = new Map<string, number>()
      manifest.documents.forEach((entry, i) => {
        const at = `$.documents[${i}]`
        const path = entry.path.replace(/^\.\//, "")
        if (!presentSet.has(path)) {
          problems.push({ code: "path-missing", file: "batch.json", path: `${at}.path`, problem: `"${entry.path}" does not exist in the batch`, expected: `a file inside the batch folder${present.length ? `, e.g. "${present[0]}"` : ""}`, fatal: true })
          return
        }
        const samePath = seenPaths.get(path)
        if (samePath !== undefined) {
          problems.push({ code: "path-duplicate", file: "batch.json", path: `${at}.path`, problem: `"${path}" is listed twice (also at $.documents[${samePath}])`, expected: "each file once", fatal: true })
          return
        }
        seenPaths.set(path, i)
        const id = entry.id ?? path
        const sameId = seenIds.get(id)
        if (sameId !== undefined) {
          problems.push({ code: "id-duplicate", file: "batch.json", path: `${at}.id`, problem: `id "${id}" is used twice (also at $.documents[${sameId}])`, expected: "a unique id per document", fatal: true })
          return
        }
        seenIds.set(id, i)
        const { path: _p, id: _i, ...own } = entry
        chosen.push({ path, id: entry.id, fields: { ...defaults, ...own }, at })
      })
    } else {
      for (const path of present) chosen.push({ path, id: undefined, fields: defaults, at: "$.defaults" })
    }
    if (chosen.length === 0 && problems.length === 0) {
      problems.push({ code: "batch-empty", file: "batch.json", path: "$.documents", problem: "the batch has no documents", expected: `at least one document file (${supportedExtensions})`, fatal: true })
    }
    problems.push(...patternProblems(manifest))
    const profiled = new Set(availableLanguages())
    for (const doc of chosen) {
      const unprofiled = (doc.fields.langid?.candidates ?? []).filter((c) => !profiled.has(c))
      if (unprofiled.length > 0) {
        problems.push({ code: "langid-no-profile", file: "batch.json", path: `${doc.at}.langid.candidates`, problem: `${doc.path}: no language profile for ${unprofiled.join(", ")}`, expected: `candidates with a profile (${[...profiled].sort().join(", ")}), or build one first with \`acervo langid train --lang CODE FILE…\``, fatal: true })
      }
      const reader = readerFor(doc.path, doc.fields.reader)
      if (!reader) {
        problems.push({ code: "unsupported-format", file: doc.path, path: "", problem: "is in a format acervo does not read; it will be excluded as unsupported-format", expected: `one of ${supportedExtensions}`, fatal: false })
        continue
      }
      if (reader.format === "jsonl") continue
      if (!doc.fields.license) {
        problems.push({ code: "license-missing", file: "batch.json", path: `${doc.at}.license`, problem: `${doc.path} has no licence; it will be excluded (fail closed)`, expected: "an SPDX licence here or in $.defaults.license", fatal: false })
      } else if (doc.fields.license.length <= limits.maxLicenseChars) {
        const resolution = resolveLicense(doc.fields.license, defaultRegistry)
        if (resolution._tag !== "Resolved") {
          problems.push({ code: "license-unresolved", file: "batch.json", path: `${doc.at}.license`, problem: `${doc.path}: licence "${doc.fields.license}" is ${resolution._tag === "Invalid" ? "not a valid SPDX expression" : `unknown (${resolution.ids.join(", ")})`}; it will be excluded`, expected: "an SPDX identifier such as CC-BY-4.0, or a LicenseRef- from the registry", fatal: false })
        }
      }
      if (!doc.fields.consent) {
        problems.push({ code: "consent-missing", file: "batch.json", path: `${doc.at}.consent`, problem: `${doc.path} has no consent record; it will be excluded (fail closed)`, expected: "{ basis, reference, scope } here or in $.defaults.consent", fatal: false })
      }
    }
    const allFiles: Array<{ path: string; sha256: string }> = [{ path: "batch.json", sha256: sha256Hex(raw) }]
    const shaByPath = new Map<string, string>()
    for (const path of present) {
      const sha = (await hashFile(join(root, path))).digest
      shaByPath.set(path, sha)
      allFiles.push({ path, sha256: sha })
      if (path.toLowerCase().endsWith(".gz") && chosen.some((c) => c.path === path)) {
        const damage = await gzipIntact(join(root, path))
        if (damage) problems.push({ code: "gzip-damaged", file: path, path: "", problem: `gzip data is damaged or truncated (${damage})`, expected: "a complete .gz file; compress it again", fatal: true })
      }
    }
    // Past a limit of batch.json already, the sizes would only repeat it.
    const fieldSizes = limitProblems.length > 0 ? { each: [], total: 0 } : storedFieldsBytes(chosen.map((c) => c.fields))
    // Without a documents list every document has the defaults: one problem at $.defaults says it.
    const oversized = chosen.flatMap((c, i) => (fieldSizes.each[i]! > limits.maxDocumentFieldsBytes && (c.at !== "$.defaults" || i === 0) ? [{ c, size: fieldSizes.each[i]! }] : []))
    for (const { c, size } of oversized.slice(0, 20)) {
      problems.push({ code: "document-fields-too-large", file: "batch.json", path: c.at, problem: `${c.at === "$.defaults" ? "the defaults every document carries" : `${c.path}: its fields (the defaults and its entry)`} come to ${byteSize(size)}, over the ${byteSize(limits.maxDocumentFieldsBytes)} a document may carry (ACERVO_MAX_DOCUMENT_FIELDS_BYTES); every record read from it would repeat them`, expected: "less metadata per document: large metadata belongs in the documents' own files", fatal: true })
    }
    if (oversized.length > 20) problems.push({ code: "document-fields-too-large", file: "batch.json", path: "", problem: `and ${oversized.length - 20} more documents like the ones above`, expected: "each fixed the same way", fatal: true })
    const fieldsBytes = fieldSizes.total
    if (oversized.length === 0 && fieldsBytes > limits.maxBatchFieldsBytes) {
      problems.push({ code: "batch-fields-too-large", file: "batch.json", path: "$.defaults", problem: `the document fields of the batch come to ${byteSize(fieldsBytes)} once $.defaults is repeated for each of its ${chosen.length} documents, over the ${byteSize(limits.maxBatchFieldsBytes)} limit (ACERVO_MAX_BATCH_FIELDS_BYTES)`, expected: "less metadata per document (large metadata belongs in the documents' own files), or fewer documents per batch", fatal: true })
    }
    const files: Array<NewFile> = chosen.map((c) => ({
      path: c.path,
      format: readerFor(c.path)?.format ?? null,
      bytes: statSync(join(root, c.path)).size,
      sha256: shaByPath.get(c.path) ?? "",
      documentId: c.id,
      fields: c.fields
    }))
    return { manifest, manifestJson: raw, institution: manifest.institution, files, allFiles, problems }
  })

/** What the fields of these documents take in the catalog, each and in all, where each file's row holds its own (defaults included). */
const storedFieldsBytes = (fields: ReadonlyArray<DocumentFields>) => {
  const sizes = new Map<DocumentFields, number>()
  const each = fields.map((f) => {
    let size = sizes.get(f)
    if (size === undefined) sizes.set(f, (size = Buffer.byteLength(canonicalJson(f))))
    return size
  })
  return { each, total: each.reduce((a, b) => a + b, 0) }
}

const withStagedInput = <A, E, R>(input: string, use: (root: string) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    if (!existsSync(input)) {
      return yield* new InputNotFound({ path: input, hint: "no such file or folder; give a batch folder holding batch.json, or a .tar, .tar.gz or .zip of one" })
    }
    if (statSync(input).isDirectory()) {
      if (!existsSync(join(input, "batch.json")) && !isBag(input)) {
        return yield* new BatchRejected({ source: input, problems: [{ code: "manifest-missing", file: "batch.json", path: "", problem: "is missing", expected: "a batch.json at the root of the batch folder", fatal: true }] })
      }
      return yield* use(input)
    }
    if (!archiveKind(input)) {
      return yield* new InputNotFound({ path: input, hint: "is neither a batch folder nor a .tar, .tar.gz or .zip archive" })
    }
    return yield* Effect.acquireUseRelease(
      Effect.sync(() => {
        const staging = join(settings.home, "staging", privateName())
        mkdirSync(staging, { recursive: true })
        return staging
      }),
      (staging) =>
        Effect.gen(function* () {
          yield* expandArchive(input, staging, { maxBytes: settings.maxArchiveBytes, maxRatio: settings.maxArchiveRatio })
          const root = findBatchRoot(staging)
          if (!root) {
            return yield* new BatchRejected({ source: input, problems: [{ code: "manifest-missing", file: "batch.json", path: "", problem: "is not in the archive", expected: "batch.json (or a BagIt bag) at the archive's root or inside its single top folder", fatal: true }] })
          }
          return yield* use(root)
        }),
      (staging) => Effect.sync(() => removeTree(staging))
    )
  })

/**
 * Validates a batch (folder or archive), stores it read-only by content hash and registers it.
 * `institutionOverride` is the institution the batch must belong to (`--institution`, or the
 * server's token); `institutionSource` names where it came from in the problem.
 */
export const submitBatch = (input: string, institutionOverride?: string, institutionSource = "--institution") =>
  Effect.zipRight(Effect.flatMap(Settings, (s) => cleanAbandonedIntake(s.home)), withStagedInput(input, (given) =>
    Effect.gen(function* () {
      const settings = yield* Settings
      const catalog = yield* Batches
      let root = given
      let bagInfo: BagInfo | undefined
      if (isBag(given)) {
        // The bag's own checks walk its folders by name: names that cannot be read come first.
        const nameProblems: Array<BatchProblem> = []
        listBatchFiles(given, nameProblems)
        const unreadable = nameProblems.filter((p) => p.code.startsWith("name-"))
        if (unreadable.length > 0) return yield* new BatchRejected({ source: input, problems: unreadable })
        const bag = yield* Effect.promise(() => verifyBag(given))
        if (!existsSync(join(given, "data", "batch.json"))) {
          bag.problems.push({ code: "manifest-missing", file: "data/batch.json", path: "", problem: "is missing: the bag's payload is not an acervo batch", expected: "the batch folder (with batch.json) as the bag's data/", fatal: true })
        }
        if (bag.problems.length > 0) return yield* new BatchRejected({ source: input, problems: bag.problems })
        bagInfo = bag.info
        root = join(given, "data")
      }
      const validated = yield* validateFolder(root, institutionOverride, institutionSource, settings)
      if (!("manifest" in validated)) return yield* new BatchRejected({ source: input, problems: validated.problems })
      const problems = [...validated.problems, ...(yield* xmlProblems(root, validated.files, { maxDepth: settings.maxXmlDepth }))]
      const contentSha256 = sha256Hex(canonicalJson([...validated.allFiles].sort((a, b) => (a.path < b.path ? -1 : 1))))
      const batchId = validated.manifest.id ?? contentSha256.slice(0, 16)
      const warnings = problems.filter((p) => !p.fatal)
      const existing = yield* catalog.findBatchByContent(contentSha256)
      if (!existing && (yield* catalog.findBatch(validated.institution, batchId))) {
        problems.push({ code: "batch-id-taken", file: "batch.json", path: "$.id", problem: `batch "${batchId}" of ${validated.institution} is already registered with different content`, expected: `a new id for changed content, e.g. "${batchId}-v2"`, fatal: true })
      }
      // Problems come before "already registered", so a batch of another institution is refused, not revealed.
      if (problems.some((p) => p.fatal)) return yield* new BatchRejected({ source: input, problems })
      if (existing) {
        return { status: "already-registered", institution: existing.institution, batchId: existing.batch_id, contentSha256, documents: validated.files.length, warnings } satisfies SubmitResult
      }
      const submittedAt = yield* nowIso
      const registered = yield* storeAndRegister(root, settings.home, contentSha256, validated.allFiles, (storedPath, publish) =>
        catalog.registerBatch({
          institution: validated.institution,
          batchId,
          contentSha256,
          title: validated.manifest.title,
          collection: validated.manifest.collection,
          manifestJson: validated.manifestJson,
          storedPath,
          submittedAt,
          files: validated.files,
          bagInfo
        }, publish)
      ).pipe(
        Effect.as(true),
        // Another submit of the same content registered it first: the same outcome as arriving second.
        Effect.catchTag("CatalogError", (e) => Effect.flatMap(catalog.findBatchByContent(contentSha256), (row) => (row ? Effect.succeed(false) : Effect.fail(e))))
      )
      return { status: registered ? "registered" : "already-registered", institution: validated.institution, batchId, contentSha256, documents: validated.files.length, warnings } satisfies SubmitResult
    })
  ))
