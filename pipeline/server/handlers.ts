import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Layer, Option, Redacted, Ref, Schema } from "effect"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Manifest, MANIFEST_FILE } from "../../manifests/manifest.ts"
import { submitBatch } from "../batch/submit.ts"
import { Batches } from "../../catalog/batches.ts"
import { Documents } from "../../catalog/documents.ts"
import { Ledger } from "../../catalog/ledger.ts"
import { Releases } from "../../catalog/releases.ts"
import { Tokens } from "../../catalog/tokens.ts"
import { Settings } from "../config.ts"
import { ArchiveRefused, BatchRejected, RunLocked, UsageError } from "../errors.ts"
import { batchSummary } from "../status.ts"
import { traceRecord } from "../trace.ts"
import { version } from "../version.ts"
import { withdraw, type WithdrawalTarget } from "../withdraw.ts"
import {
  Authentication,
  Busy,
  Conflict,
  CurrentCaller,
  Forbidden,
  IntakeApi,
  NotFound,
  PayloadTooLarge,
  RequestTimedOut,
  Unauthorized,
  UnsupportedMediaType,
  Unprocessable,
  UploadResult,
  WithdrawRequest
} from "./api.ts"
import { ServerConfig } from "./config.ts"
import { Intake } from "./intake.ts"
import { intakePage } from "./page.ts"
import { pageLanguageFor } from "./page-messages.ts"
import { authenticate, type Caller } from "./tokens.ts"
import { receiveUpload } from "./upload.ts"

export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.map(Tokens, (tokens) => ({
    bearer: (token: Redacted.Redacted<string>) =>
      authenticate(Redacted.value(token)).pipe(
        Effect.provideService(Tokens, tokens),
        Effect.mapError((e) => new Unauthorized({ reason: e.reason, message: e.message }))
      )
  }))
)

export const HealthLive = HttpApiBuilder.group(IntakeApi, "health", (handlers) =>
  handlers
    .handle("healthz", () => Effect.succeed({ status: "ok" as const, version }))
    .handleRaw("page", ({ request }) =>
      Effect.sync(() => {
        const lang = pageLanguageFor(request.headers["accept-language"])
        return HttpServerResponse.text(intakePage(lang), {
          contentType: "text/html; charset=utf-8",
          headers: { "content-language": lang, vary: "Accept-Language" }
        })
      })
    )
)

const readOnly = (caller: Caller, action: string) =>
  caller.role === "auditor"
    ? Effect.fail(new Forbidden({ reason: "role-forbidden", message: `an auditor token reads and never changes anything; ${action} needs a partner or operator token` }))
    : Effect.void

const notYours = (what: string, id: string) =>
  new NotFound({ reason: `${what}-not-found`, message: `no ${what} "${id}" is registered for you; GET /v1/batches lists your batches` })

/**
 * Notes written by the dedup stage name the survivor's institution and file. A partner reading its
 * own documents sees that another institution holds a copy, not which file.
 */
const redactFor = (caller: Caller, detail: string) =>
  caller.role !== "partner"
    ? detail
    : detail.replace(/\(([a-z0-9]+(?:-[a-z0-9]+)*)\/[^)]*\)/g, (whole, institution: string) => (institution === caller.institution ? whole : "(a copy held by another institution)"))

/** A batch the caller may see, by its id; another institution's batch is answered as if it did not exist. */
const visibleBatch = (caller: Caller, id: string, institution: string | undefined) =>
  Effect.gen(function* () {
    const catalog = yield* Batches
    const all = yield* Effect.orDie(catalog.batches)
    const matches = all.filter(
      (b) => b.batch_id === id && (caller.role === "partner" ? b.institution === caller.institution : institution === undefined || b.institution === institution)
    )
    if (matches.length === 0) return yield* notYours("batch", id)
    if (matches.length > 1) {
      return yield* new Conflict({
        reason: "ambiguous-batch",
        message: `batches of ${matches.map((b) => b.institution).join(" and ")} are both called "${id}"; add ?institution=${matches[0]!.institution}`
      })
    }
    return matches[0]!
  })

const MAX_WITHDRAW_BODY = 64 * 1024

/** The `{ "reason": … }` of a withdrawal, read and checked here so every refusal carries a reason code. */
const withdrawalReason = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function* () {
    const text = yield* request.text.pipe(
      HttpServerRequest.withMaxBodySize(Option.some(MAX_WITHDRAW_BODY)),
      Effect.mapError(() => new Unprocessable({ reason: "body-unreadable", message: `send a JSON body of at most ${MAX_WITHDRAW_BODY} bytes: {"reason": "why the partner withdraws"}` }))
    )
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new Unprocessable({ reason: "body-invalid", message: 'the body is not JSON; send {"reason": "why the partner withdraws"}' })
    })
    const decoded = Schema.decodeUnknownOption(WithdrawRequest)(json)
    if (decoded._tag === "None" || decoded.value.reason.trim().length === 0) {
      return yield* new Unprocessable({ reason: "reason-missing", message: 'say why: send {"reason": "…"}; the reason is kept in the ledger for auditors' })
    }
    return decoded.value.reason.trim()
  })

const runWithdrawal = (target: WithdrawalTarget, batchSeq: number, reason: string) =>
  Effect.gen(function* () {
    const intake = yield* Intake
    const result = yield* intake.exclusive(withdraw(target, reason), batchSeq)
    return HttpServerResponse.unsafeJson({ withdrawn: result.withdrawn, reelected: result.reelected, pending_files_closed: result.pendingFilesClosed })
  }).pipe(
    Effect.catchTags({
      RunLocked: (e: RunLocked) => Effect.fail(new Conflict({ reason: "run-in-progress", message: `${e.message}; try again in a few minutes` })),
      UsageError: (e: UsageError) => Effect.fail(new Unprocessable({ reason: "withdrawal-refused", message: e.message })),
      CatalogError: (e) => Effect.die(e)
    })
  )

/** A refusal sent before the body was read whole: the connection closes after it, so the rest is not read. */
const closingRefusal = <A, I>(schema: Schema.Schema<A, I>, error: A, status: number, headers: Record<string, string> = {}) =>
  Effect.map(Schema.encode(schema)(error).pipe(Effect.orDie), (body) =>
    HttpServerResponse.unsafeJson(body, { status, headers: { ...headers, connection: "close" } })
  )

export const BatchesLive = HttpApiBuilder.group(IntakeApi, "batches", (handlers) =>
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const settings = yield* Settings
    const intake = yield* Intake
    const receiving = yield* Effect.makeSemaphore(config.uploadConcurrency)
    // Registration reads the catalog to find duplicates and then writes it: one at a time.
    const registering = yield* Effect.makeSemaphore(1)
    const inFlight = yield* Ref.make(0)
    const uploads = join(settings.home, "uploads")
    // Parts left by a server that was killed mid-upload: never registered, so nothing refers to them.
    rmSync(uploads, { recursive: true, force: true })

    const register = (path: string, caller: Caller) =>
      submitBatch(path, caller.role === "partner" ? caller.institution : undefined, "your token").pipe(
        registering.withPermits(1),
        Effect.catchTags({
          BatchRejected: (e: BatchRejected) => {
            const errors = e.problems.filter((p) => p.fatal).length
            return Effect.fail(
              new Unprocessable({
                reason: "batch-invalid",
                message: `batch refused, nothing registered: ${errors} error(s) and ${e.problems.length - errors} warning(s); fix them all and upload again`,
                problems: e.problems
              })
            )
          },
          ArchiveRefused: (e: ArchiveRefused) =>
            Effect.fail(new Unprocessable({ reason: e.code, message: `archive refused, nothing registered${e.entry ? ` (entry "${e.entry}")` : ""}: ${e.reason}`, ...(e.entry ? { entry: e.entry } : {}) })),
          InputNotFound: (e) => Effect.die(e),
          CatalogError: (e) => Effect.die(e)
        })
      )

    const upload = (request: HttpServerRequest.HttpServerRequest, caller: Caller) =>
      Effect.acquireUseRelease(
        receiveUpload(request, uploads, { maxBytes: config.maxUploadBytes, idleSeconds: config.uploadIdleSeconds, deadlineSeconds: config.uploadDeadlineSeconds }).pipe(
          receiving.withPermits(1)
        ),
        (received) => Effect.tap(register(received.path, caller), () => intake.wake),
        (received) => Effect.sync(() => rmSync(received.path, { force: true }))
      ).pipe(
        Effect.flatMap((r) =>
          Schema.encode(UploadResult)({ id: r.batchId, institution: r.institution, status: r.status, sha256: r.contentSha256, documents: r.documents, problems: r.warnings }).pipe(
            Effect.orDie,
            Effect.map((body) => HttpServerResponse.unsafeJson(body, { status: r.status === "registered" ? 201 : 200 }))
          )
        ),
        Effect.catchTags({
          PayloadTooLarge: (e: PayloadTooLarge) => closingRefusal(PayloadTooLarge, e, 413),
          UnsupportedMediaType: (e: UnsupportedMediaType) => closingRefusal(UnsupportedMediaType, e, 415),
          RequestTimedOut: (e: RequestTimedOut) => closingRefusal(RequestTimedOut, e, 408)
        })
      )

    return handlers
      .handleRaw("upload", ({ request }) =>
        Effect.gen(function* () {
          const caller = yield* CurrentCaller
          yield* readOnly(caller, "uploading a batch")
          const admitted = yield* Ref.modify(inFlight, (n) => (n >= config.uploadConcurrency + config.uploadQueue ? [false, n] : [true, n + 1]))
          if (!admitted) {
            const busy = new Busy({ reason: "too-many-uploads", message: `${config.uploadConcurrency + config.uploadQueue} uploads are already under way; try again in a minute`, retry_after_seconds: 60 })
            return yield* closingRefusal(Busy, busy, 503, { "retry-after": "60" })
          }
          return yield* upload(request, caller).pipe(Effect.ensuring(Ref.update(inFlight, (n) => n - 1)))
        })
      )
      .handle("list", () =>
        Effect.gen(function* () {
          const caller = yield* CurrentCaller
          const catalog = yield* Batches
          const all = yield* Effect.orDie(catalog.batches)
          return {
            batches: all.filter((b) => caller.role !== "partner" || b.institution === caller.institution).map((b) => ({ ...batchSummary(b), processing: intake.processing(b) })),
            intake: { processes: intake.processes, release: intake.release ?? null }
          }
        })
      )
      .handle("read", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const caller = yield* CurrentCaller
          const catalog = yield* Batches
          const counts = yield* Documents
          const limit = urlParams.limit === undefined ? 500 : Number(urlParams.limit)
          if (!Number.isInteger(limit) || limit < 1 || limit > 5000) {
            return yield* new Unprocessable({ reason: "bad-limit", message: `limit must be a whole number from 1 to 5000, not "${urlParams.limit}"` })
          }
          const batch = yield* visibleBatch(caller, path.id, urlParams.institution)
          const after = urlParams.after ?? ""
          const { docs, notes } = yield* Effect.orDie(catalog.batchDocuments(batch.seq, after, limit + 1))
          const page = docs.slice(0, limit)
          const excluded = yield* Effect.orDie(counts.countsByCode("exclusion", batch.seq))
          const flagged = yield* Effect.orDie(counts.countsByCode("flag", batch.seq))
          const pending = after === "" ? yield* Effect.orDie(catalog.pendingFilesOf(batch.seq, 1000)) : []
          const notesOf = (record: string, kind: string) =>
            notes.filter((n) => n.record_id === record && n.kind === kind).map((n) => ({ stage: n.stage, code: n.code, detail: redactFor(caller, n.detail) }))
          return {
            batch: batchSummary(batch),
            processing: intake.processing(batch),
            excluded: Object.fromEntries(excluded.map((r) => [r.code, r.n])),
            flagged: Object.fromEntries(flagged.map((r) => [r.code, r.n])),
            pending,
            documents: page.map((d) => ({
              record_id: d.record_id,
              document: d.local_id,
              path: d.path,
              line: d.line,
              status: d.status,
              stage: d.stage,
              reason: d.reason_code,
              lang: d.lang,
              duplicate_of: d.duplicate_of,
              similarity: d.similarity,
              exclusions: notesOf(d.record_id, "exclusion"),
              flags: notesOf(d.record_id, "flag")
            })),
            next: docs.length > limit ? page[page.length - 1]!.record_id : null
          }
        })
      )
      .handleRaw("withdrawBatch", ({ path, request }) =>
        Effect.gen(function* () {
          const caller = yield* CurrentCaller
          yield* readOnly(caller, "withdrawing a batch")
          const params = yield* HttpServerRequest.ParsedSearchParams
          const institution = typeof params["institution"] === "string" ? params["institution"] : undefined
          const batch = yield* visibleBatch(caller, path.id, institution)
          const reason = yield* withdrawalReason(request)
          return yield* runWithdrawal({ batch: `${batch.institution}/${batch.batch_id}` }, batch.seq, reason)
        })
      )
      .handleRaw("withdrawDocument", ({ path, request }) =>
        Effect.gen(function* () {
          const caller = yield* CurrentCaller
          yield* readOnly(caller, "withdrawing a document")
          const catalog = yield* Batches
          const owner = yield* Effect.orDie(catalog.recordOwner(path.id))
          if (!owner || (caller.role === "partner" && owner.institution !== caller.institution)) return yield* notYours("document", path.id)
          const reason = yield* withdrawalReason(request)
          const seq = (yield* Effect.orDie(catalog.batches)).find((b) => b.institution === owner.institution && b.batch_id === owner.batch_id)!.seq
          return yield* runWithdrawal({ document: path.id }, seq, reason)
        })
      )
  })
)

const auditorOrOperator = (caller: Caller, what: string) =>
  caller.role === "partner"
    ? Effect.fail(new Forbidden({ reason: "role-forbidden", message: `${what} covers every institution's records: it needs an auditor or operator token` }))
    : Effect.void

export const AuditLive = HttpApiBuilder.group(IntakeApi, "audit", (handlers) =>
  handlers
    .handle("releases", () =>
      Effect.gen(function* () {
        yield* auditorOrOperator(yield* CurrentCaller, "the list of releases")
        const catalog = yield* Releases
        const rows = yield* Effect.orDie(catalog.releases)
        return { releases: rows.map(({ out_dir: _, ...r }) => r) }
      })
    )
    .handle("manifest", ({ path }) =>
      Effect.gen(function* () {
        yield* auditorOrOperator(yield* CurrentCaller, "a release manifest")
        const catalog = yield* Releases
        const release = (yield* Effect.orDie(catalog.releases)).find((r) => r.name === path.name)
        if (!release) return yield* new NotFound({ reason: "release-not-found", message: `no release "${path.name}"; GET /v1/releases lists them` })
        const file = join(release.out_dir, MANIFEST_FILE)
        if (!existsSync(file)) {
          return yield* new NotFound({ reason: "release-files-missing", message: `release "${path.name}" is in the catalog but its folder ${release.out_dir} is gone; ask the operator` })
        }
        return yield* Schema.decodeUnknown(Manifest)(JSON.parse(readFileSync(file, "utf8"))).pipe(Effect.orDie)
      })
    )
    .handle("trace", ({ path }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentCaller
        const catalog = yield* Batches
        const owner = yield* Effect.orDie(catalog.recordOwner(path.id))
        const missing = new NotFound({ reason: "record-not-found", message: `no record "${path.id}" is in the catalog${caller.role === "partner" ? " for you" : ""}; a release record's "id" is its record id` })
        if (!owner || (caller.role === "partner" && owner.institution !== caller.institution)) return yield* missing
        const trace = yield* traceRecord(path.id).pipe(
          Effect.catchTags({ RecordNotFound: () => Effect.fail(missing), CatalogError: (e) => Effect.die(e) })
        )
        if (caller.role !== "partner") return trace
        return {
          ...trace,
          merged_copies: trace.merged_copies.filter((c) => c.institution === caller.institution),
          notes: trace.notes.map((n) => ({ ...n, detail: redactFor(caller, n.detail) }))
        }
      })
    )
    .handle("verifyLedger", () =>
      Effect.gen(function* () {
        yield* auditorOrOperator(yield* CurrentCaller, "the ledger")
        const result = yield* Effect.orDie((yield* Ledger).verify)
        return { ok: result.broken === undefined || result.broken === null, entries: result.entries, broken: result.broken ?? null }
      })
    )
)
