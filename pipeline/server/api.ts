import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity } from "@effect/platform"
import { Context, Schema } from "effect"
import { Manifest } from "../../manifests/manifest.ts"
import { BatchProblem } from "../errors.ts"
import { BatchSummary } from "../status.ts"
import { RecordTrace } from "../trace.ts"
import type { Caller } from "./tokens.ts"

// Every refusal is JSON: a stable reason code for programs and a sentence a person can act on.
const refusal = { reason: Schema.String, message: Schema.String }

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", refusal, HttpApiSchema.annotations({ status: 401 })) {}
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", refusal, HttpApiSchema.annotations({ status: 403 })) {}
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", refusal, HttpApiSchema.annotations({ status: 404 })) {}
export class RequestTimedOut extends Schema.TaggedError<RequestTimedOut>()("RequestTimedOut", refusal, HttpApiSchema.annotations({ status: 408 })) {}
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", refusal, HttpApiSchema.annotations({ status: 409 })) {}
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", { ...refusal, limit_bytes: Schema.Number }, HttpApiSchema.annotations({ status: 413 })) {}
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", refusal, HttpApiSchema.annotations({ status: 415 })) {}
export class Unprocessable extends Schema.TaggedError<Unprocessable>()(
  "Unprocessable",
  { ...refusal, problems: Schema.optional(Schema.Array(BatchProblem)), entry: Schema.optional(Schema.String) },
  HttpApiSchema.annotations({ status: 422 })
) {}
export class Busy extends Schema.TaggedError<Busy>()("Busy", { ...refusal, retry_after_seconds: Schema.Number }, HttpApiSchema.annotations({ status: 503 })) {}

export class CurrentCaller extends Context.Tag("acervo/CurrentCaller")<CurrentCaller, Caller>() {}

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("acervo/Authentication", {
  failure: Unauthorized,
  provides: CurrentCaller,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/** What `POST /v1/batches` answers: 201 when registered, 200 when the same content was already. */
export const UploadResult = Schema.Struct({
  id: Schema.String,
  institution: Schema.String,
  status: Schema.Literal("registered", "already-registered"),
  sha256: Schema.String,
  documents: Schema.Number,
  problems: Schema.Array(BatchProblem)
})

const Note = Schema.Struct({ stage: Schema.String, code: Schema.String, detail: Schema.String })

export const DocumentStatus = Schema.Struct({
  record_id: Schema.String,
  document: Schema.String,
  path: Schema.String,
  line: Schema.Number,
  status: Schema.String,
  stage: Schema.String,
  reason: Schema.NullOr(Schema.String),
  lang: Schema.NullOr(Schema.String),
  duplicate_of: Schema.NullOr(Schema.String),
  similarity: Schema.NullOr(Schema.Number),
  exclusions: Schema.Array(Note),
  flags: Schema.Array(Note)
})

/**
 * Where a batch is. `waiting`: files wait for a run (this server's, or with `by: "operator"` the
 * operator's `acervo run`); `processing`: a run of this server is on it now; `processed`: every
 * file read; `failed`: this server's run stopped on an error (see `error`; tried again at
 * `retry_at`); `withdrawn`: every document withdrawn.
 */
export const BatchState = Schema.Literal("waiting", "processing", "processed", "failed", "withdrawn")
export type BatchState = typeof BatchState.Type

export const BatchProcessing = Schema.Struct({
  state: BatchState,
  by: Schema.Literal("server", "operator"),
  files_done: Schema.Number,
  files_total: Schema.Number,
  /** Documents kept and excluded so far (all of them once processed). */
  kept: Schema.Number,
  excluded: Schema.Number,
  error: Schema.NullOr(Schema.Struct({ reason: Schema.String, message: Schema.String, at: Schema.String, retry_at: Schema.NullOr(Schema.String) })),
  /**
   * The release this server writes (`acervo serve --release NAME`): `current` once it holds the
   * batch as it is now (processed, withdrawn), `pending` until then, `failed` if the last try failed.
   */
  release: Schema.NullOr(Schema.Struct({ name: Schema.String, state: Schema.Literal("current", "pending", "failed"), written_at: Schema.NullOr(Schema.String) }))
})
export type BatchProcessing = typeof BatchProcessing.Type

export const BatchListed = Schema.Struct({ ...BatchSummary.fields, processing: BatchProcessing })

/** What the server does with batches: processes them itself, and writes which release. */
export const IntakeMode = Schema.Struct({ processes: Schema.Boolean, release: Schema.NullOr(Schema.String) })

export const BatchDetail = Schema.Struct({
  batch: BatchSummary,
  processing: BatchProcessing,
  excluded: Schema.Record({ key: Schema.String, value: Schema.Number }),
  flagged: Schema.Record({ key: Schema.String, value: Schema.Number }),
  pending: Schema.Array(Schema.Struct({ path: Schema.String, format: Schema.NullOr(Schema.String), bytes: Schema.Number })),
  documents: Schema.Array(DocumentStatus),
  /** Pass as `?after=` for the next page of documents; null on the last page. */
  next: Schema.NullOr(Schema.String)
})

export const BatchPage = Schema.Struct({
  after: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.String),
  institution: Schema.optional(Schema.String)
})

export const WithdrawRequest = Schema.Struct({ reason: Schema.String.pipe(Schema.minLength(1)) })

export const WithdrawResult = Schema.Struct({
  withdrawn: Schema.Number,
  reelected: Schema.Array(Schema.Struct({ withdrawn: Schema.String, survivor: Schema.String })),
  pending_files_closed: Schema.Number
})

export const ReleaseSummary = Schema.Struct({
  name: Schema.String,
  created_at: Schema.String,
  manifest_sha256: Schema.String,
  previous: Schema.NullOr(Schema.String),
  shards: Schema.Number,
  documents: Schema.Number
})

export const LedgerVerification = Schema.Struct({
  ok: Schema.Boolean,
  entries: Schema.Number,
  broken: Schema.NullOr(Schema.Struct({ seq: Schema.Number, problem: Schema.String }))
})

const idParam = Schema.Struct({ id: Schema.String })

/** A batch's or a document's withdrawal: the same request, answer and refusals. */
const withdrawal = <const Name extends string>(name: Name, path: HttpApiEndpoint.PathSegment) =>
  HttpApiEndpoint.post(name, path)
    .setPath(idParam)
    .setPayload(WithdrawRequest)
    .addSuccess(WithdrawResult)
    .addError(Forbidden)
    .addError(NotFound)
    .addError(Conflict)
    .addError(Unprocessable)

export class HealthApi extends HttpApiGroup.make("health")
  .add(HttpApiEndpoint.get("healthz", "/healthz").addSuccess(Schema.Struct({ status: Schema.Literal("ok"), version: Schema.String })))
  .add(HttpApiEndpoint.get("page", "/").addSuccess(Schema.String)) {}

export class BatchesApi extends HttpApiGroup.make("batches")
  .add(
    HttpApiEndpoint.post("upload", "/v1/batches")
      .addSuccess(UploadResult, { status: 201 })
      .addError(Forbidden)
      .addError(RequestTimedOut)
      .addError(PayloadTooLarge)
      .addError(UnsupportedMediaType)
      .addError(Unprocessable)
      .addError(Busy)
  )
  .add(HttpApiEndpoint.get("list", "/v1/batches").addSuccess(Schema.Struct({ batches: Schema.Array(BatchListed), intake: IntakeMode })))
  .add(HttpApiEndpoint.get("read", "/v1/batches/:id").setPath(idParam).setUrlParams(BatchPage).addSuccess(BatchDetail).addError(NotFound).addError(Conflict).addError(Unprocessable))
  .add(withdrawal("withdrawBatch", "/v1/batches/:id/withdraw"))
  .add(withdrawal("withdrawDocument", "/v1/documents/:id/withdraw"))
  .middleware(Authentication) {}

export class AuditApi extends HttpApiGroup.make("audit")
  .add(HttpApiEndpoint.get("releases", "/v1/releases").addSuccess(Schema.Struct({ releases: Schema.Array(ReleaseSummary) })).addError(Forbidden))
  .add(HttpApiEndpoint.get("manifest", "/v1/releases/:name/manifest").setPath(Schema.Struct({ name: Schema.String })).addSuccess(Manifest).addError(Forbidden).addError(NotFound))
  .add(HttpApiEndpoint.get("trace", "/v1/records/:id/trace").setPath(idParam).addSuccess(RecordTrace).addError(NotFound))
  .add(HttpApiEndpoint.get("verifyLedger", "/v1/ledger/verify").addSuccess(LedgerVerification).addError(Forbidden))
  .middleware(Authentication) {}

/** The partner intake API (SPEC §9), shared by the server and its tests. */
export class IntakeApi extends HttpApi.make("acervo-intake").add(HealthApi).add(BatchesApi).add(AuditApi) {}
