import { stringify } from "yaml"
import type { Column, ColumnType } from "../stages/shard/columns.ts"
import type { Manifest, ShardEntry } from "./manifest.ts"

export const CARD_FILE = "README.md"

/** ISO 639-1 where a language has one (the Hub's tags prefer it); ISO 639-3 otherwise, itself a BCP 47 tag. */
const ISO_639_1: Readonly<Record<string, string>> = {
  spa: "es", por: "pt", eng: "en", fra: "fr", deu: "de", ita: "it", cat: "ca", glg: "gl", eus: "eu", ast: "ast", nld: "nl", lat: "la", grn: "gn", que: "qu", aym: "ay"
}
const hubLanguage = (code: string) => ISO_639_1[code] ?? code

/** SPDX identifiers the Hub knows under its own (lower-case) ids. */
const HUB_LICENSES = new Set([
  "apache-2.0", "mit", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-4.0", "cc-by-3.0", "cc-by-sa-3.0", "odc-by", "odbl", "pddl", "gpl-3.0", "lgpl-3.0"
])

const sizeCategory = (n: number) =>
  n < 1_000 ? "n<1K" : n < 10_000 ? "1K<n<10K" : n < 100_000 ? "10K<n<100K" : n < 1_000_000 ? "100K<n<1M" : n < 10_000_000 ? "1M<n<10M" : n < 100_000_000 ? "10M<n<100M" : "100M<n<1B"

/** A column as a `datasets` feature: the types every shard holds, so no loader has to guess them from one file. */
const feature = (name: string, type: ColumnType): Record<string, unknown> => {
  switch (type.kind) {
    case "string":
      return { name, dtype: "string" }
    case "integer":
      return { name, dtype: "int64" }
    case "float":
      return { name, dtype: "float64" }
    case "struct":
      return { name, struct: type.fields.map((f) => feature(f.name, f.type)) }
    case "list": {
      const item = type.item
      if (item.kind === "struct") return { name, list: item.fields.map((f) => feature(f.name, f.type)) }
      if (item.kind === "list") throw new Error(`${name}: a list of lists has no dataset-card feature form`)
      return { name, list: feature("", item).dtype }
    }
  }
}

export interface CardConfig {
  readonly name: string
  readonly pattern: string
  readonly shards: ReadonlyArray<ShardEntry>
}

/**
 * The card's configurations: one per profile (the first is the default) and one per profile and
 * language, each over one shard format (Parquet where it was written: typed, and faster to load).
 */
export const cardConfigs = (manifest: Manifest): ReadonlyArray<CardConfig> => {
  const format = manifest.shards.some((s) => s.format === "parquet") ? "parquet" : "jsonl"
  const extension = format === "parquet" ? "parquet" : "jsonl.gz"
  const shards = manifest.shards.filter((s) => s.format === format)
  const configs: Array<CardConfig> = []
  for (const { name: profile } of manifest.profiles) {
    const own = shards.filter((s) => s.profile === profile)
    if (own.length === 0) continue
    configs.push({ name: profile, pattern: `shards/${profile}/*/*.${extension}`, shards: own })
    for (const lang of [...new Set(own.map((s) => s.lang))].sort()) {
      configs.push({ name: `${profile}-${lang}`, pattern: `shards/${profile}/${lang}/*.${extension}`, shards: own.filter((s) => s.lang === lang) })
    }
  }
  return configs
}

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>) =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map((c) => String(c).replace(/\|/g, "\\|")).join(" | ")} |`)].join("\n")

/** `README.md` of a release: the Hugging Face dataset card, its YAML header and a human part, from the manifest alone. */
export const datasetCard = (manifest: Manifest, columns: ReadonlyArray<Column>, institutions: ReadonlyArray<string>): string => {
  const configs = cardConfigs(manifest)
  const languages = Object.keys(manifest.totals.by_language).filter((l) => l !== "und" && l !== "zxx").sort()
  const licences = Object.keys(manifest.totals.by_license).sort()
  const hubLicences = licences.map((l) => l.toLowerCase())
  const allOnHub = hubLicences.length > 0 && hubLicences.every((l) => HUB_LICENSES.has(l))
  const features = columns.map((c) => feature(c.name, c.type))
  const header = {
    pretty_name: `acervo release ${manifest.release}`,
    ...(allOnHub ? { license: [...new Set(hubLicences)] } : { license: "other", license_name: "various", license_link: "ATTRIBUTION.md" }),
    language: [...new Set(languages.map(hubLanguage))],
    size_categories: [sizeCategory(manifest.totals.documents)],
    task_categories: ["text-generation"],
    tags: ["acervo", "consented-data", "local-contexts"],
    configs: configs.map((c, i) => ({ config_name: c.name, ...(i === 0 ? { default: true } : {}), data_files: [{ split: "train", path: c.pattern }] })),
    dataset_info: configs.map((c) => ({
      config_name: c.name,
      features,
      splits: [{ name: "train", num_examples: c.shards.reduce((n, s) => n + s.documents, 0) }]
    }))
  }
  const count = (m: Record<string, { documents: number; characters: number }>) => Object.entries(m).map(([k, v]) => [k, v.documents, v.characters])
  const body = [
    `# acervo release ${manifest.release}`,
    "",
    `${manifest.totals.documents} documents (${manifest.totals.characters} characters) given by ${institutions.length} partner institution(s) under licence and consent — nothing here was scraped. Built by acervo ${manifest.pipeline.version} on ${manifest.created.slice(0, 10)}; \`manifest.json\` lists every shard with its SHA-256, and \`audit verify\` re-checks them.`,
    "",
    "## Loading",
    "",
    "```python",
    "from datasets import load_dataset",
    `records = load_dataset("path/to/${manifest.release}")  # the ${configs[0]?.name ?? "first"} profile`,
    ...(configs[1] ? [`records = load_dataset("path/to/${manifest.release}", "${configs[1].name}")  # one profile, one language`] : []),
    "```",
    "",
    `Configurations: ${configs.map((c) => `\`${c.name}\``).join(", ")}. A record is in one profile only: the most permissive its licence and labels admit. Each record's fields are described in \`record.schema.json\` (JSON Schema) and \`croissant.json\`.`,
    "",
    "## Profiles",
    "",
    table(["profile", "what it admits", "documents"], manifest.profiles.map((p) => [p.name, p.description, manifest.totals.by_profile[p.name]?.documents ?? 0])),
    "",
    "## Languages",
    "",
    table(["language", "documents", "characters"], count(manifest.totals.by_language)),
    "",
    "## Institutions",
    "",
    table(["institution", "documents", "characters"], count(manifest.totals.by_institution)),
    "",
    "## Licences",
    "",
    table(["licence (SPDX)", "documents", "characters"], count(manifest.totals.by_license)),
    "",
    "## What was left out",
    "",
    Object.keys(manifest.excluded).length === 0 ? "Nothing was excluded." : table(["reason", "documents"], Object.entries(manifest.excluded).sort(([a], [b]) => (a < b ? -1 : 1))),
    "",
    `${manifest.outside_profiles} kept document(s) fall outside the profiles of this release. ${manifest.withdrawn} document(s) have been withdrawn by their partners; they are listed in \`tombstones.jsonl\` and must be deleted from any copy of an earlier release.`,
    "",
    "## Personal data",
    "",
    Object.keys(manifest.totals.pii).length === 0 ? "No personal data was found." : `Replaced by typed placeholders: ${Object.entries(manifest.totals.pii).map(([t, n]) => `${n} ${t}`).join(", ")}.`,
    "",
    "## Citing and attribution",
    "",
    `Cite as: acervo release ${manifest.release} (${manifest.created.slice(0, 10)}), from ${institutions.join(", ")}. Licences and Local Contexts labels require the attributions listed in \`ATTRIBUTION.md\`: using the release means honouring each of them, and honouring withdrawals.`,
    ""
  ]
  return `---\n${stringify(header, { lineWidth: 0, aliasDuplicateObjects: false })}---\n\n${body.join("\n")}`
}
