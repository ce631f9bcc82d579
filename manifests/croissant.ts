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

const FIELDS: ReadonlyArray<[string, string, string]> = [
  ["id", "sc:Text", "stable record id: a hash of institution, batch and document id"],
  ["text", "sc:Text", "the document's text, normalised and with personal data replaced by typed placeholders"],
  ["lang", "sc:Text", "ISO 639-3 language (spa, por, arn, rap, mul, und, …)"],
  ["license", "sc:Text", "SPDX licence expression the document was given under"],
  ["labels", "sc:Text", "Local Contexts TK/BC labels"],
  ["sha256", "sc:Text", "SHA-256 of the text"],
  ["cluster_size", "sc:Integer", "copies of this text received, this one included"]
]

export const croissantFor = (
  manifest: Manifest,
  options: { readonly url: string; readonly institutions: ReadonlyArray<string>; readonly declaredFields?: ReadonlyArray<{ readonly name: string; readonly type: "integer" | "number" | "string"; readonly description: string }> }
) => {
  const declared = (options.declaredFields ?? []).map((f): [string, string, string] => [f.name, f.type === "integer" ? "sc:Integer" : f.type === "number" ? "sc:Float" : "sc:Text", f.description])
  const licences = Object.keys(manifest.totals.by_license).sort()
  const pii = Object.entries(manifest.totals.pii).map(([type, n]) => `${n} ${type}`).join(", ")
  return {
    "@context": CROISSANT_CONTEXT,
    "@type": "sc:Dataset",
    conformsTo: ["http://mlcommons.org/croissant/1.1", "http://mlcommons.org/croissant/RAI/1.0"],
    name: `acervo-${manifest.release}`,
    description: `Training shards released by acervo (release ${manifest.release}): ${manifest.totals.documents} documents given by partner institutions under licence and consent, in ${Object.keys(manifest.totals.by_language).sort().join(", ")}, in profiles ${manifest.profiles.map((p) => p.name).join(", ")}.`,
    license: licences.map((l) => (/^[A-Za-z0-9.+-]+$/.test(l) ? `https://spdx.org/licenses/${l}.html` : l)),
    url: options.url,
    creator: options.institutions.map((name) => ({ "@type": "sc:Organization", name })),
    datePublished: manifest.created.slice(0, 10),
    version: manifest.pipeline.version,
    isLiveDataset: false,
    citeAs: `acervo release ${manifest.release}; see ATTRIBUTION.md`,
    distribution: [
      ...manifest.shards.map((s) => ({
        "@type": "cr:FileObject",
        "@id": s.path,
        name: s.path,
        contentUrl: s.path,
        contentSize: `${s.bytes} B`,
        encodingFormat: "application/jsonlines+gzip",
        sha256: s.sha256
      })),
      { "@type": "cr:FileSet", "@id": "shards", name: "shards", encodingFormat: "application/jsonlines+gzip", includes: "shards/*/*/*.jsonl.gz" }
    ],
    recordSet: [
      {
        "@type": "cr:RecordSet",
        "@id": "records",
        name: "records",
        description: "One line of a shard: a document and its provenance.",
        key: { "@id": "records/id" },
        field: [...FIELDS, ...declared].map(([name, dataType, description]) => ({
          "@type": "cr:Field",
          "@id": `records/${name}`,
          name,
          description,
          dataType,
          ...(name === "labels" ? { repeated: true } : {}),
          source: { fileSet: { "@id": "shards" }, extract: { column: name } }
        }))
      }
    ],
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
