import type { Column, ColumnType } from "../stages/shard/columns.ts"
import type { Manifest } from "./manifest.ts"

/**
 * `croissant.json`: the release described in Croissant 1.1 (MLCommons) with the Responsible AI
 * extension 1.0, built from the manifest so that it says nothing the manifest does not. The
 * context is inline (no fetch is needed to expand it as JSON-LD).
 */
export const CROISSANT_CONTEXT = {
  "@language": "en",
  "@vocab": "https://schema.org/",
  sc: "https://schema.org/",
  cr: "http://mlcommons.org/croissant/",
  rai: "http://mlcommons.org/croissant/RAI/",
  dct: "http://purl.org/dc/terms/",
  citeAs: "cr:citeAs",
  column: "cr:column",
  conformsTo: "dct:conformsTo",
  data: { "@id": "cr:data", "@type": "@json" },
  dataType: { "@id": "cr:dataType", "@type": "@vocab" },
  examples: { "@id": "cr:examples", "@type": "@json" },
  extract: "cr:extract",
  field: "cr:field",
  fileObject: "cr:fileObject",
  fileProperty: "cr:fileProperty",
  fileSet: "cr:fileSet",
  format: "cr:format",
  includes: "cr:includes",
  isLiveDataset: "cr:isLiveDataset",
  jsonPath: "cr:jsonPath",
  key: "cr:key",
  md5: "cr:md5",
  parentField: "cr:parentField",
  path: "cr:path",
  recordSet: "cr:recordSet",
  references: "cr:references",
  regex: "cr:regex",
  repeated: "cr:repeated",
  replace: "cr:replace",
  separator: "cr:separator",
  source: "cr:source",
  subField: "cr:subField",
  transform: "cr:transform"
} as const

const dataType = (type: ColumnType): string =>
  type.kind === "integer" ? "sc:Integer" : type.kind === "float" ? "sc:Float" : type.kind === "list" ? dataType(type.item) : "sc:Text"

// mlcroissant reads a `.gz` file through gzip and JSON lines as `application/jsonlines`.
const ENCODING = { parquet: "application/x-parquet", jsonl: "application/jsonlines" } as const

/** A record field as Croissant declares it: its type, repeated for lists, sub-fields for structs, read from one column. */
const croissantField = (recordSet: string, fileSet: string, column: Column, path: ReadonlyArray<string> = []): Record<string, unknown> => {
  const names = [...path, column.name]
  const item = column.type.kind === "list" ? column.type.item : column.type
  const source = { fileSet: { "@id": fileSet }, extract: { column: names[0] }, ...(names.length > 1 ? { transform: { jsonPath: `$.${names.slice(1).join(".")}` } } : {}) }
  return {
    "@type": "cr:Field",
    "@id": `${recordSet}/${names.join("/")}`,
    name: column.name,
    description: column.description,
    ...(item.kind === "struct" ? {} : { dataType: dataType(item) }),
    ...(column.type.kind === "list" ? { repeated: true } : {}),
    source,
    ...(item.kind === "struct" ? { subField: item.fields.map((f) => croissantField(recordSet, fileSet, f, names)) } : {})
  }
}

export const croissantFor = (
  manifest: Manifest,
  options: { readonly institutions: ReadonlyArray<string>; readonly columns: ReadonlyArray<Column> }
) => {
  const licences = Object.keys(manifest.totals.by_license).sort()
  const pii = Object.entries(manifest.totals.pii).map(([type, n]) => `${n} ${type}`).join(", ")
  const formats = (["parquet", "jsonl"] as const).filter((f) => manifest.shards.some((s) => s.format === f))
  const profiles = manifest.profiles.map((p) => p.name).filter((p) => manifest.shards.some((s) => s.profile === p))
  // Records are read from Parquet where it was written: typed, and read by every Croissant client.
  const recordFormat = formats[0] ?? "jsonl"
  const fileSetId = (profile: string, format: string) => `shards-${profile}-${format}`
  const [year, month, day] = manifest.created.slice(0, 10).split("-").map(Number)
  return {
    "@context": CROISSANT_CONTEXT,
    "@type": "sc:Dataset",
    conformsTo: ["http://mlcommons.org/croissant/1.1", "http://mlcommons.org/croissant/RAI/1.0"],
    name: `acervo-${manifest.release}`,
    description: `Training shards released by acervo (release ${manifest.release}): ${manifest.totals.documents} documents given by partner institutions under licence and consent, in ${Object.keys(manifest.totals.by_language).sort().join(", ")}, in profiles ${manifest.profiles.map((p) => p.name).join(", ")}. One record set per profile: a commercial user reads the open records only.`,
    license: licences.map((l) => (/^[A-Za-z0-9.+-]+$/.test(l) ? `https://spdx.org/licenses/${l}.html` : l)),
    // Relative to this file: the release folder, wherever it was written or copied.
    url: "./",
    creator: options.institutions.map((name) => ({ "@type": "sc:Organization", name })),
    datePublished: manifest.created.slice(0, 10),
    // The release's own version, from its date (the pipeline's version is in manifest.json).
    version: `${year}.${month}.${day}`,
    isLiveDataset: false,
    citeAs: `acervo release ${manifest.release}; see ATTRIBUTION.md`,
    distribution: [
      ...manifest.shards.map((s) => ({
        "@type": "cr:FileObject",
        "@id": s.path,
        name: s.path,
        contentUrl: s.path,
        contentSize: `${s.bytes} B`,
        encodingFormat: ENCODING[s.format],
        sha256: s.sha256
      })),
      ...profiles.flatMap((profile) =>
        formats.map((format) => ({
          "@type": "cr:FileSet",
          "@id": fileSetId(profile, format),
          name: fileSetId(profile, format),
          description: `the ${profile} profile's shards as ${format === "parquet" ? "Parquet" : "gzip JSON lines"}`,
          encodingFormat: ENCODING[format],
          includes: `shards/${profile}/*/*.${format === "parquet" ? "parquet" : "jsonl.gz"}`
        }))
      )
    ],
    recordSet: profiles.map((profile) => ({
      "@type": "cr:RecordSet",
      "@id": profile,
      name: profile,
      description: `The ${profile} profile's records (${manifest.profiles.find((p) => p.name === profile)?.description ?? ""}): one document and its provenance each.`,
      key: { "@id": `${profile}/id` },
      field: options.columns.map((c) => croissantField(profile, fileSetId(profile, recordFormat), c))
    })),
    "rai:dataCollection": `Batches given by ${options.institutions.length} partner institution(s) (${manifest.batches.map((b) => `${b.institution}/${b.id}`).join(", ")}), each under a declared licence and consent record; nothing was scraped.`,
    "rai:dataPreprocessingProtocol": [
      "ingest: format readers with encoding detection",
      "normalize: mojibake repair, NFC, control characters",
      "langid: trigram profiles including Mapudungun and Rapa Nui",
      "pii: typed placeholders for e-mail, phones, national identifiers",
      "quality: language-aware heuristics",
      "dedup: exact and MinHash near-duplicates across every batch, survivor lists merged copies",
      `gate: licence, consent and Local Contexts labels per release profile; excluded by reason: ${Object.entries(manifest.excluded).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`
    ],
    "rai:personalSensitiveInformation": `Personal data detected and replaced by typed placeholders: ${pii || "none found"}. Documents under TK Secret/Sacred labels never reach a shard.`,
    "rai:dataLimitations": "Short texts may be labelled und; language labels are automatic. Near-duplicates are found at shingle Jaccard ≥ 0.8; heavily OCR-damaged copies may remain.",
    "rai:dataReleaseMaintenancePlan": `Partners may withdraw consent; every later release leaves withdrawn documents out and lists them in tombstones.jsonl (${manifest.withdrawn} so far).${manifest.previous ? ` Previous release: ${manifest.previous.release}.` : ""}`
  }
}
