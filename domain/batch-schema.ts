import { Schema } from "effect"

const withMessage = <A, I>(schema: Schema.Schema<A, I>, message: string): Schema.Schema<A, I> =>
  schema.annotations({ message: () => ({ message, override: true }) })

export const Slug = withMessage(
  Schema.String.pipe(Schema.pattern(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)),
  "must be a slug: lowercase letters, digits and single hyphens, e.g. \"biblioteca-nacional-cl\""
)

export const BatchIdentifier = withMessage(
  Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)),
  "must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit"
)

export const LanguageCode = withMessage(
  Schema.String.pipe(Schema.pattern(/^(?:[a-z]{3}|und|mul)$/)),
  "must be an ISO 639-3 code (three lowercase letters, e.g. \"spa\", \"arn\", \"rap\") or \"und\""
)

export const IsoDate = withMessage(
  Schema.String.pipe(Schema.pattern(/^\d{4}(?:-\d{2}(?:-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?)?$/)),
  "must be an ISO 8601 date such as \"2031-12-31\""
)

export const ConsentBasis = Schema.Literal(
  "public-domain",
  "license",
  "institutional-agreement",
  "informed-consent",
  "community-consent"
)

export const Consent = Schema.Struct({
  basis: ConsentBasis,
  reference: withMessage(Schema.NonEmptyTrimmedString, "must name the consent record (agreement number, form id, URL)"),
  scope: Schema.Union(Schema.String, Schema.Array(Schema.String)),
  expires: Schema.optional(IsoDate)
})
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

/** Fields a document may carry, each falling back to the batch's `defaults`. */
export const documentFieldSchemas = {
  language: Schema.optional(LanguageCode),
  license: Schema.optional(withMessage(Schema.NonEmptyTrimmedString, "must be an SPDX expression such as \"CC-BY-4.0\"")),
  consent: Schema.optional(Consent),
  labels: Schema.optional(Schema.Array(Schema.String)),
  kind: Schema.optional(DocumentKind),
  title: Schema.optional(Schema.String),
  creators: Schema.optional(StringOrList),
  created: Schema.optional(Schema.String),
  place: Schema.optional(Schema.String),
  rights: Schema.optional(Schema.String),
  metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  reader: Schema.optional(ReaderOptions),
  /** Languages the identifier may answer for this batch or document, instead of ACERVO_LANGID_CANDIDATES. */
  langid: Schema.optional(Schema.Struct({ candidates: Schema.NonEmptyArray(LanguageCode) })),
  /** Names (people, places) the partner wants replaced by <NAME> wherever they occur. */
  redact: Schema.optional(Schema.Array(Schema.String))
}

export const DocumentFields = Schema.Struct(documentFieldSchemas)
export type DocumentFields = typeof DocumentFields.Type

export const DocumentEntry = Schema.Struct({
  path: withMessage(Schema.NonEmptyTrimmedString, "must be the document's path inside the batch, e.g. \"files/a.txt\""),
  id: Schema.optional(Schema.NonEmptyTrimmedString),
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
  id: Schema.optional(Schema.Union(Schema.NonEmptyTrimmedString, Schema.Number)),
  ...documentFieldSchemas
})
export type JsonlRecord = typeof JsonlRecord.Type

export const knownFieldNames = {
  batch: Object.keys(BatchManifest.fields),
  document: Object.keys(DocumentEntry.fields),
  jsonl: Object.keys(JsonlRecord.fields)
}
