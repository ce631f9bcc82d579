import { Schema } from "effect"
import { forbiddenCharacter } from "./characters.ts"
import { checkIsoDate, type DateForms } from "./dates.ts"
import { withProblemCode } from "./problems.ts"

const withMessage = <A, I>(schema: Schema.Schema<A, I>, message: string): Schema.Schema<A, I> =>
  schema.annotations({ message: () => ({ message, override: true }) })

/** Longest institution slug. */
export const MAX_SLUG_CHARS = 64
/** Longest document id in batch.json or a JSONL line. */
export const MAX_DOCUMENT_ID_CHARS = 256
/** Longest document path in batch.json. */
export const MAX_DOCUMENT_PATH_CHARS = 1024

export const Slug = withMessage(
  Schema.String.pipe(Schema.pattern(new RegExp(`^(?=.{1,${MAX_SLUG_CHARS}}$)[a-z0-9]+(?:-[a-z0-9]+)*$`))),
  `must be a slug of at most ${MAX_SLUG_CHARS} characters: lowercase letters, digits and single hyphens, e.g. "biblioteca-nacional-cl"`
)

/** A string with no control or format character (NUL, bidi overrides, zero-width characters, U+FEFF). */
const withoutForbiddenCharacters = <I>(schema: Schema.Schema<string, I>, what: string) =>
  withProblemCode(
    schema.pipe(Schema.filter((s) => {
      const found = forbiddenCharacter(s)
      return found === undefined || `contains ${found}; ${what} may hold no control or format characters (they hide what a name says): remove it`
    })),
    "control-character"
  )

const atMost = <I>(schema: Schema.Schema<string, I>, max: number, what: string) =>
  withProblemCode(schema.pipe(Schema.filter((s) => s.length <= max || `is ${s.length} characters long; ${what} is at most ${max}: shorten it`)), "value-too-long")

/** A document's id, in batch.json or a JSONL line. */
export const DocumentId = atMost(withoutForbiddenCharacters(Schema.NonEmptyTrimmedString, "an id"), MAX_DOCUMENT_ID_CHARS, "an id")

/** A document's path inside the batch. */
export const DocumentPath = atMost(
  withoutForbiddenCharacters(withMessage(Schema.NonEmptyTrimmedString, "must be the document's path inside the batch, e.g. \"files/a.txt\""), "a path"),
  MAX_DOCUMENT_PATH_CHARS,
  "a path"
)

export const BatchIdentifier = withMessage(
  Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)),
  "must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit"
)

export const LanguageCode = withMessage(
  Schema.String.pipe(Schema.pattern(/^(?:[a-z]{3}|und|mul)$/)),
  "must be an ISO 639-3 code (three lowercase letters, e.g. \"spa\", \"arn\", \"rap\") or \"und\""
)

/** An ISO 8601 date in the forms the field takes, that exists in the calendar (see domain/dates.ts). */
const IsoDate = (forms: DateForms) =>
  withProblemCode(Schema.String.pipe(Schema.filter((s) => {
    const checked = checkIsoDate(s, forms)
    return checked._tag === "Valid" || checked.problem
  })), "date-invalid")

/** When consent ends: a full date (from its UTC midnight) or a date-time with offset. */
export const ExpiryDate = IsoDate("date-or-date-time")
/** When a work was made: a year, a month or a date. */
export const CreationDate = IsoDate("year-month-or-date")

export const ConsentBasis = Schema.Literal(
  "public-domain",
  "license",
  "institutional-agreement",
  "informed-consent",
  "community-consent"
)

/** The date fields, checked strictly at the door, or as the catalog holds them. */
interface DateSchemas {
  readonly expires: Schema.Schema<string>
  readonly created: Schema.Schema<string>
}
const strictDates: DateSchemas = { expires: ExpiryDate, created: CreationDate }
/**
 * Catalogs registered before dates were checked may hold any string: read as it is, so a run
 * still reaches the gate, which treats an expiry it cannot read as expired.
 */
const storedDates: DateSchemas = { expires: Schema.String, created: Schema.String }

const consentWith = (dates: DateSchemas) =>
  Schema.Struct({
    basis: ConsentBasis,
    reference: withMessage(Schema.NonEmptyTrimmedString, "must name the consent record (agreement number, form id, URL)"),
    scope: Schema.Union(Schema.String, Schema.Array(Schema.String)),
    expires: Schema.optional(dates.expires)
  })

export const Consent = consentWith(strictDates)
export type Consent = typeof Consent.Type

export const DocumentKind = Schema.Literal(
  "literature",
  "archive",
  "oral-history",
  "government",
  "academic",
  "press",
  "other"
)

const StringOrList = Schema.Union(Schema.String, Schema.Array(Schema.String))

/** How format readers treat a document; set per document or in the batch defaults. */
export const ReaderOptions = Schema.Struct({
  tei: Schema.optional(Schema.Struct({
    notes: Schema.optional(Schema.Boolean),
    sections: Schema.optional(Schema.Array(Schema.Literal("front", "body", "back")))
  })),
  elan: Schema.optional(Schema.Struct({
    transcriptionTypes: Schema.optional(Schema.Array(Schema.String)),
    transcriptionTiers: Schema.optional(Schema.Array(Schema.String)),
    translationTypes: Schema.optional(Schema.Array(Schema.String)),
    translations: Schema.optional(Schema.Literal("documents", "drop"))
  })),
  transcript: Schema.optional(Schema.Struct({
    speakers: Schema.Record({ key: Schema.String, value: LanguageCode }),
    noise: Schema.optional(Schema.String)
  })),
  subtitles: Schema.optional(Schema.Struct({ soundCues: Schema.optional(Schema.Boolean) }))
})
export type ReaderOptions = typeof ReaderOptions.Type

const documentFieldsWith = (dates: DateSchemas) => ({
  language: Schema.optional(LanguageCode),
  license: Schema.optional(withMessage(Schema.NonEmptyTrimmedString, "must be an SPDX expression such as \"CC-BY-4.0\"")),
  consent: Schema.optional(consentWith(dates)),
  labels: Schema.optional(Schema.Array(Schema.String)),
  kind: Schema.optional(DocumentKind),
  title: Schema.optional(Schema.String),
  creators: Schema.optional(StringOrList),
  created: Schema.optional(dates.created),
  place: Schema.optional(Schema.String),
  rights: Schema.optional(Schema.String),
  metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  reader: Schema.optional(ReaderOptions),
  /** Languages the identifier may answer for this batch or document, instead of ACERVO_LANGID_CANDIDATES. */
  langid: Schema.optional(Schema.Struct({ candidates: Schema.NonEmptyArray(LanguageCode) })),
  /** Names (people, places) the partner wants replaced by <NAME> wherever they occur. */
  redact: Schema.optional(Schema.Array(Schema.String))
})

/** Fields a document may carry, each falling back to the batch's `defaults`. */
export const documentFieldSchemas = documentFieldsWith(strictDates)

export const DocumentFields = Schema.Struct(documentFieldSchemas)
export type DocumentFields = typeof DocumentFields.Type

/** Document fields as the catalog stores them: what submit accepted, whichever version checked it. */
export const StoredDocumentFields = Schema.Struct(documentFieldsWith(storedDates))

export const DocumentEntry = Schema.Struct({
  path: DocumentPath,
  id: Schema.optional(DocumentId),
  ...documentFieldSchemas
})
export type DocumentEntry = typeof DocumentEntry.Type

export const BatchManifest = Schema.Struct({
  format: withMessage(Schema.Literal("acervo-batch/1"), "must be \"acervo-batch/1\""),
  institution: Slug,
  id: Schema.optional(BatchIdentifier),
  title: Schema.optional(Schema.String),
  collection: Schema.optional(Schema.String),
  defaults: Schema.optional(DocumentFields),
  documents: Schema.optional(Schema.Array(DocumentEntry))
})
export type BatchManifest = typeof BatchManifest.Type

/** One line of a `.jsonl` document file: the text plus any document field. */
export const JsonlRecord = Schema.Struct({
  text: Schema.String,
  id: Schema.optional(Schema.Union(DocumentId, Schema.Number)),
  ...documentFieldSchemas
})
export type JsonlRecord = typeof JsonlRecord.Type

export const knownFieldNames = {
  batch: Object.keys(BatchManifest.fields),
  document: Object.keys(DocumentEntry.fields),
  jsonl: Object.keys(JsonlRecord.fields)
}
