import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import type { Manifest } from "./manifest.ts"

/**
 * `report.html`: a release for people to read — what it holds by language, institution, licence and
 * profile, what was left out and why, duplicate clusters, PII redactions and withdrawals — as charts
 * and tables in one file that opens offline. A pure function of the release's data: the same data
 * gives the same bytes.
 */
export const REPORT_FILE = "report.html"

/** Exclusion or flag notes of one code at one stage. */
export interface StageCodeCount {
  readonly stage: string
  readonly code: string
  readonly n: number
}

/** What the report shows besides the manifest: figures of the catalog at the time of the release. */
export interface ReportInput {
  readonly manifest: Manifest
  /** Exclusion notes by stage and reason, of every batch the catalog holds. */
  readonly exclusions: ReadonlyArray<StageCodeCount>
  /** Flag notes by stage and code. */
  readonly flags: ReadonlyArray<StageCodeCount>
  /** Stage names in pipeline order; stages not named here come after them, by name. */
  readonly stageOrder: ReadonlyArray<string>
  /** The release's records by cluster size (the record and the copies merged into it). */
  readonly clusterSizes: ReadonlyArray<{ readonly size: number; readonly records: number }>
  /** Withdrawn documents, as tombstones.jsonl lists them. */
  readonly withdrawals: ReadonlyArray<{ readonly institution: string; readonly batch: string }>
  /** What partners said of their batches: titles and collections, as submitted. */
  readonly batches: ReadonlyArray<{ readonly institution: string; readonly id: string; readonly title: string | null; readonly collection: string | null }>
}

/** The chart library inlined into every report, as installed (package.json pins its exact version). */
export interface ChartLibrary {
  readonly name: string
  readonly version: string
  readonly license: string
  readonly source: string
}

let chartJs: ChartLibrary | undefined

/** Chart.js's UMD build from node_modules, without its source-map comment (no file is fetched). */
export const chartLibrary = (): ChartLibrary => {
  if (chartJs) return chartJs
  const main = createRequire(import.meta.url).resolve("chart.js")
  const dist = dirname(main)
  const pkg = JSON.parse(readFileSync(join(dist, "..", "package.json"), "utf8")) as { version: string; license: string }
  const source = readFileSync(join(dist, "chart.umd.min.js"), "utf8").replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "\n")
  // Inside <script>, these would end the element or change how the browser reads the rest.
  if (/<\/script|<!--|<script/i.test(source)) throw new Error(`chart.js ${pkg.version}: its UMD build contains "</script", "<script" or "<!--" and cannot be inlined into report.html`)
  chartJs = { name: "Chart.js", version: pkg.version, license: pkg.license, source }
  return chartJs
}

// ---------------------------------------------------------------------------------------------
// HTML with every interpolated value escaped, unless it is already Html.

class Html {
  constructor(readonly text: string) {}
}
type Interpolated = Html | string | number | null | undefined | ReadonlyArray<Html>

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"))

const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<Interpolated>): Html =>
  new Html(
    strings.reduce((out, s, i) => {
      if (i === 0) return s
      const v = values[i - 1]
      const text = v instanceof Html ? v.text : Array.isArray(v) ? v.map((h: Html) => h.text).join("") : v === null || v === undefined ? "" : escapeHtml(String(v))
      return out + text + s
    }, "")
  )

/** JSON that can stand inside <script> whatever its strings hold: no "<", ">" or "&", no line separators. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

const cspHash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`

// ---------------------------------------------------------------------------------------------
// Numbers, written the same on every machine (no locale).

const grouped = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")
const formatNumber = (n: number) => {
  if (Number.isInteger(n)) return (n < 0 ? "-" : "") + grouped(String(Math.abs(n)))
  const [whole, fraction] = Math.abs(n).toFixed(2).split(".")
  return (n < 0 ? "-" : "") + grouped(whole!) + "." + fraction
}
const formatBytes = (n: number) => {
  for (const [unit, size] of [["GB", 1e9], ["MB", 1e6], ["kB", 1e3]] as const) if (n >= size) return `${(n / size).toFixed(1)} ${unit}`
  return `${n} B`
}
/** A share in percent, to two decimals, as a number for the charts. */
const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0)
const percent = (part: number, whole: number) => `${share(part, whole).toFixed(2)} %`

const byCountThenName = <T>(count: (t: T) => number, name: (t: T) => string) => (a: T, b: T) =>
  count(b) - count(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0)

// ---------------------------------------------------------------------------------------------
// Charts: what the page's script draws, one entry per canvas.

/** At most this many bars a category chart; the rest are summed in one "other" bar (the tables list all). */
export const MAX_BARS = 40

/** Okabe–Ito: told apart with the common colour-vision deficiencies. */
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

interface ChartDataset {
  readonly label: string
  readonly data: ReadonlyArray<number>
  /** What each bar stands for when `data` is a share: the count behind it. */
  readonly counts?: ReadonlyArray<number>
  readonly color: string
}

interface ChartSpec {
  readonly id: string
  readonly kind: "share" | "count" | "stacked" | "histogram"
  readonly labels: ReadonlyArray<string>
  readonly datasets: ReadonlyArray<ChartDataset>
  readonly axis: string
  readonly logarithmic: boolean
}

/** A chart's height in CSS pixels, as its bars need; the script sets it, so no style attribute needs the CSP's leave. */
const chartHeight = (spec: ChartSpec) =>
  spec.kind === "histogram" ? 320 : Math.max(140, 70 + spec.labels.length * (spec.kind === "share" ? 8 + 9 * spec.datasets.length : 24))

type Tally = { readonly documents: number; readonly characters: number }

/** The categories of a chart: the largest `MAX_BARS - 1` and the rest as one, when there are more. */
const capped = <T>(items: ReadonlyArray<T>, label: (t: T) => string, sum: (rest: ReadonlyArray<T>) => T): ReadonlyArray<{ label: string; item: T }> => {
  if (items.length <= MAX_BARS) return items.map((item) => ({ label: label(item), item }))
  const rest = items.slice(MAX_BARS - 1)
  return [...items.slice(0, MAX_BARS - 1).map((item) => ({ label: label(item), item })), { label: `other (${rest.length})`, item: sum(rest) }]
}

interface ShareRow {
  readonly key: string
  readonly documents: number
  readonly characters: number
  readonly fields: Readonly<Record<string, number>>
}

/** Rows of a breakdown (language, institution …) with the summed record fields (tokens …), largest first. */
const shareRows = (tallies: Readonly<Record<string, Tally>>, fields: Readonly<Record<string, Readonly<Record<string, number>>>>): ReadonlyArray<ShareRow> =>
  Object.entries(tallies)
    .map(([key, t]) => ({ key, documents: t.documents, characters: t.characters, fields: Object.fromEntries(Object.entries(fields).map(([f, by]) => [f, by[key] ?? 0])) }))
    .sort(byCountThenName((r) => r.documents, (r) => r.key))

const shareChart = (id: string, rows: ReadonlyArray<ShareRow>, totals: { documents: number; characters: number; fields: Readonly<Record<string, number>> }): ChartSpec => {
  const fieldNames = Object.keys(totals.fields)
  const bars = capped(rows, (r) => r.key, (rest) => ({
    key: "",
    documents: rest.reduce((s, r) => s + r.documents, 0),
    characters: rest.reduce((s, r) => s + r.characters, 0),
    fields: Object.fromEntries(fieldNames.map((f) => [f, rest.reduce((s, r) => s + (r.fields[f] ?? 0), 0)]))
  }))
  const measures: ReadonlyArray<[string, (r: ShareRow) => number, number]> = [
    ["documents", (r) => r.documents, totals.documents],
    ["characters", (r) => r.characters, totals.characters],
    ...fieldNames.map((f): [string, (r: ShareRow) => number, number] => [f, (r) => r.fields[f] ?? 0, totals.fields[f] ?? 0])
  ]
  return {
    id,
    kind: "share",
    labels: bars.map((b) => b.label),
    datasets: measures.map(([label, value, whole], i) => ({
      label: `% of ${label === "documents" ? "records" : label}`,
      data: bars.map((b) => share(value(b.item), whole)),
      counts: bars.map((b) => value(b.item)),
      color: PALETTE[i % PALETTE.length]!
    })),
    axis: "share of the release (%)",
    logarithmic: false
  }
}

const countChart = (id: string, entries: ReadonlyArray<readonly [string, number]>, label: string, axis: string, color: string): ChartSpec => {
  const bars = capped(entries, ([k]) => k, (rest) => ["", rest.reduce((s, [, n]) => s + n, 0)] as const)
  return { id, kind: "count", labels: bars.map((b) => b.label), datasets: [{ label, data: bars.map((b) => b.item[1]), color }], axis, logarithmic: false }
}

/** Cluster sizes in bins: 1 to 8 one by one, then 9–16, 17–32 … up to the largest. */
export const clusterBins = (sizes: ReadonlyArray<{ readonly size: number; readonly records: number }>) => {
  const largest = sizes.reduce((m, s) => Math.max(m, s.size), 0)
  const bins: Array<{ label: string; from: number; to: number; records: number; merged: number }> = []
  for (let size = 1; size <= Math.min(8, largest); size++) bins.push({ label: String(size), from: size, to: size, records: 0, merged: 0 })
  for (let from = 9; from <= largest; from = from * 2 - 1) bins.push({ label: `${from}–${from * 2 - 2}`, from, to: from * 2 - 2, records: 0, merged: 0 })
  for (const s of sizes) {
    const bin = bins.find((b) => s.size >= b.from && s.size <= b.to)
    if (!bin) continue
    bin.records += s.records
    bin.merged += (s.size - 1) * s.records
  }
  return bins
}

const stageRank = (order: ReadonlyArray<string>) => (stage: string) => {
  const i = order.indexOf(stage)
  return i < 0 ? order.length : i
}

/** Notes sorted by stage (pipeline order), then most frequent first. */
const sortedNotes = (notes: ReadonlyArray<StageCodeCount>, order: ReadonlyArray<string>) => {
  const rank = stageRank(order)
  return [...notes].sort((a, b) => rank(a.stage) - rank(b.stage) || (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0) || byCountThenName((x: StageCodeCount) => x.n, (x) => x.code)(a, b))
}

// ---------------------------------------------------------------------------------------------
// The page.

const CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --rule: #d0d7de; --card: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 32px 48px; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 code { font-size: inherit; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 8px; border-top: 1px solid var(--rule); }
h3 { font-size: 16px; margin: 20px 0 6px; }
p { margin: 6px 0; }
.meta, .note, figcaption { color: var(--muted); font-size: 13px; }
code, .hash { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; }
.headline { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 18px 0 4px; padding: 0; list-style: none; }
.headline li { background: var(--card); border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; }
.headline .value { display: block; font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.headline .label { display: block; color: var(--muted); font-size: 13px; }
nav { margin: 12px 0 0; font-size: 14px; }
nav a { margin-right: 12px; color: #0550ae; }
figure { margin: 10px 0 12px; }
.chart { position: relative; width: 100%; }
table { border-collapse: collapse; margin: 8px 0 4px; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px 4px 0; text-align: left; vertical-align: top; }
th { font-weight: 600; }
td.n, th.n { text-align: right; padding-left: 14px; }
.empty { color: var(--muted); font-style: italic; }
.chart-status { color: #a40e26; font-size: 13px; }
details { margin: 6px 0; }
footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 12px; }
`

/** Draws `charts` from the page's JSON with Chart.js; without it the tables still say everything. */
const CLIENT = `
(() => {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const done = (state) => document.body.setAttribute("data-charts", state);
  if (typeof Chart === "undefined") {
    for (const el of document.querySelectorAll(".chart-status")) el.textContent = "The chart library did not load; the table shows the same figures.";
    done("unavailable");
    return;
  }
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1b1f24";
  const number = new Intl.NumberFormat("en-US");
  for (const spec of data.charts) {
    const canvas = document.getElementById(spec.id);
    canvas.parentElement.style.height = spec.height + "px";
    const horizontal = spec.kind !== "histogram";
    const valueAxis = {
      type: spec.logarithmic ? "logarithmic" : "linear",
      beginAtZero: true,
      stacked: spec.kind === "stacked",
      title: { display: true, text: spec.axis },
      min: spec.logarithmic ? 0.5 : undefined,
      ticks: spec.kind === "share" ? { callback: (v) => v + " %" } : spec.logarithmic ? { callback: (v) => (Number.isInteger(Math.log10(v)) ? number.format(v) : null) } : { precision: 0 }
    };
    // Long names are cut on the axis only; the tooltip and the table give them whole.
    const categoryAxis = {
      stacked: spec.kind === "stacked",
      ticks: { autoSkip: false, callback: function (v) { const l = String(this.getLabelForValue(v)); return l.length > 36 ? l.slice(0, 35) + "…" : l; } },
      title: { display: spec.kind === "histogram", text: "cluster size (the record and its copies)" }
    };
    try {
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map((d) => ({ label: d.label, data: d.data, backgroundColor: d.color, borderColor: d.color, borderWidth: 0, counts: d.counts }))
        },
        options: {
          indexAxis: horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
          plugins: {
            legend: { display: spec.datasets.length > 1, position: "top" },
            tooltip: {
              callbacks: {
                label: (item) => {
                  const counts = item.dataset.counts;
                  return spec.kind === "share"
                    ? item.dataset.label + ": " + item.raw + " % (" + number.format(counts[item.dataIndex]) + ")"
                    : item.dataset.label + ": " + number.format(item.raw);
                }
              }
            }
          }
        }
      });
    } catch (e) {
      const status = canvas.closest("figure").querySelector(".chart-status");
      if (status) status.textContent = "This chart could not be drawn (" + e.message + "); the table shows the same figures.";
    }
  }
  done("rendered");
})();
`

const table = (head: ReadonlyArray<string | { n: string }>, rows: ReadonlyArray<ReadonlyArray<string | number | Html | { n: number | string }>>): Html => {
  const cell = (c: string | number | Html | { n: number | string }) =>
    typeof c === "object" && !(c instanceof Html) ? html`<td class="n">${typeof c.n === "number" ? formatNumber(c.n) : c.n}</td>` : typeof c === "number" ? html`<td class="n">${formatNumber(c)}</td>` : html`<td>${c}</td>`
  return html`<table><thead><tr>${head.map((h) => (typeof h === "string" ? html`<th>${h}</th>` : html`<th class="n">${h.n}</th>`))}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map(cell)}</tr>`
  )}</tbody></table>`
}

/** A chart's canvas in a box as tall as its bars need, or a sentence when there is nothing to draw. */
const figure = (spec: ChartSpec | undefined, caption: string, empty: string): Html => {
  if (!spec) return html`<p class="empty">${empty}</p>`
  return html`<figure><div class="chart"><canvas id="${spec.id}" data-chart="${spec.id}" role="img" aria-label="${caption}"></canvas></div><figcaption>${caption}</figcaption><p class="chart-status" role="status"></p></figure>`
}

const short = (hash: string) => html`<span class="hash" title="${hash}">${hash.slice(0, 12)}…</span>`

/** The report of one release, as one HTML document with Chart.js inlined. */
export const renderReport = (input: ReportInput, library: ChartLibrary = chartLibrary()): string => {
  const m = input.manifest
  const fieldNames = Object.keys(m.totals.fields).sort()
  const fieldsBy = (dimension: "by_language" | "by_institution" | "by_profile") => Object.fromEntries(fieldNames.map((f) => [f, m.totals.fields[f]![dimension]]))
  const fieldTotals = Object.fromEntries(fieldNames.map((f) => [f, m.totals.fields[f]!.total]))
  const wholes = { documents: m.totals.documents, characters: m.totals.characters, fields: fieldTotals }

  const languages = shareRows(m.totals.by_language, fieldsBy("by_language"))
  const institutions = shareRows(m.totals.by_institution, fieldsBy("by_institution"))
  const licences = shareRows(m.totals.by_license, {})
  const profiles = shareRows(m.totals.by_profile, fieldsBy("by_profile"))
  const exclusions = sortedNotes(input.exclusions, input.stageOrder)
  const flags = sortedNotes(input.flags, input.stageOrder)
  const bins = clusterBins(input.clusterSizes)
  const pii = Object.entries(m.totals.pii).sort(byCountThenName(([, n]) => n, ([k]) => k))
  const withdrawnBy = new Map<string, { institution: string; batch: string; documents: number }>()
  for (const w of input.withdrawals) {
    const key = `${w.institution}\u0000${w.batch}`
    const row = withdrawnBy.get(key) ?? { institution: w.institution, batch: w.batch, documents: 0 }
    row.documents++
    withdrawnBy.set(key, row)
  }
  const withdrawnBatches = [...withdrawnBy.values()].sort(byCountThenName((r) => r.documents, (r) => `${r.institution}/${r.batch}`))
  const withdrawnInstitutions = new Map<string, number>()
  for (const r of withdrawnBatches) withdrawnInstitutions.set(r.institution, (withdrawnInstitutions.get(r.institution) ?? 0) + r.documents)

  const stagesSeen = [...new Set(exclusions.map((e) => e.stage))]
  const charts: Record<string, ChartSpec | undefined> = {
    languages: languages.length > 0 ? shareChart("chart-languages", languages, wholes) : undefined,
    institutions: institutions.length > 0 ? shareChart("chart-institutions", institutions, wholes) : undefined,
    licences: licences.length > 0 ? shareChart("chart-licences", licences, { ...wholes, fields: {} }) : undefined,
    profiles: profiles.length > 0 ? shareChart("chart-profiles", profiles, wholes) : undefined,
    exclusions:
      exclusions.length > 0
        ? {
            id: "chart-exclusions",
            kind: "stacked",
            labels: exclusions.map((e) => e.code),
            datasets: stagesSeen.map((stage, i) => ({ label: stage, data: exclusions.map((e) => (e.stage === stage ? e.n : 0)), color: PALETTE[i % PALETTE.length]! })),
            axis: "documents excluded",
            logarithmic: false
          }
        : undefined,
    clusters:
      bins.length > 0
        ? {
            id: "chart-clusters",
            kind: "histogram",
            labels: bins.map((b) => b.label),
            datasets: [{ label: "records", data: bins.map((b) => b.records), color: PALETTE[0]! }],
            axis: "records",
            logarithmic: (() => {
              const counts = bins.map((b) => b.records).filter((n) => n > 0)
              return counts.length > 1 && Math.max(...counts) > 100 * Math.min(...counts)
            })()
          }
        : undefined,
    pii: pii.length > 0 ? countChart("chart-pii", pii, "redactions", "redactions in released records", PALETTE[5]!) : undefined,
    withdrawals: withdrawnInstitutions.size > 0 ? countChart("chart-withdrawals", [...withdrawnInstitutions].sort(byCountThenName(([, n]) => n, ([k]) => k)), "documents withdrawn", "documents withdrawn", PALETTE[3]!) : undefined
  }
  const specs = Object.values(charts).filter((c): c is ChartSpec => c !== undefined)
  const data = scriptJson({ release: m.release, charts: specs.map((spec) => ({ ...spec, height: chartHeight(spec) })) })

  const excludedTotal = input.exclusions.reduce((s, e) => s + e.n, 0)
  const merged = bins.reduce((s, b) => s + b.merged, 0)
  const piiTotal = pii.reduce((s, [, n]) => s + n, 0)
  const shardBytes = m.shards.reduce((s, x) => s + x.bytes, 0)
  const headline: ReadonlyArray<[string, string]> = [
    ["records", formatNumber(m.totals.documents)],
    ["characters", formatNumber(m.totals.characters)],
    ...fieldNames.map((f): [string, string] => [f, formatNumber(fieldTotals[f]!)]),
    ["languages", formatNumber(languages.length)],
    ["institutions", formatNumber(institutions.length)],
    ["shard files", `${formatNumber(m.shards.length)} · ${formatBytes(shardBytes)}`],
    ["documents excluded", formatNumber(excludedTotal)],
    ["copies merged into records", formatNumber(merged)],
    ["PII redactions", formatNumber(piiTotal)],
    ["documents withdrawn", formatNumber(m.withdrawn)],
    ["kept, outside these profiles", formatNumber(m.outside_profiles)]
  ]

  const fieldHead = fieldNames.map((f) => ({ n: f }))
  const shareTable = (rows: ReadonlyArray<ShareRow>, name: string, withFields: boolean, extra?: (r: ShareRow) => ReadonlyArray<string | Html>) =>
    table(
      [name, ...(extra ? ["description"] : []), { n: "records" }, { n: "% records" }, { n: "characters" }, { n: "% characters" }, ...(withFields ? fieldHead : [])],
      rows.map((r) => [
        html`<code>${r.key}</code>`,
        ...(extra ? extra(r) : []),
        r.documents,
        { n: percent(r.documents, m.totals.documents) },
        r.characters,
        { n: percent(r.characters, m.totals.characters) },
        ...(withFields ? fieldNames.map((f) => r.fields[f] ?? 0) : [])
      ])
    )

  const shardsByStream = new Map<string, { profile: string; lang: string; format: string; parts: number; documents: number; characters: number; bytes: number }>()
  for (const s of m.shards) {
    const key = `${s.profile}/${s.lang}/${s.format}`
    const row = shardsByStream.get(key) ?? { profile: s.profile, lang: s.lang, format: s.format, parts: 0, documents: 0, characters: 0, bytes: 0 }
    row.parts++
    row.documents += s.documents
    row.characters += s.characters
    row.bytes += s.bytes
    shardsByStream.set(key, row)
  }
  const batchInfo = new Map(input.batches.map((b) => [`${b.institution}\u0000${b.id}`, b]))
  const profileDescription = new Map(m.profiles.map((p) => [p.name, p.description]))
  const sections: ReadonlyArray<[string, string]> = [
    ["languages", "Languages"],
    ["institutions", "Institutions"],
    ["licences", "Licences"],
    ["profiles", "Profiles"],
    ["exclusions", "Exclusions"],
    ["duplicates", "Duplicates"],
    ["pii", "PII"],
    ["withdrawals", "Withdrawals"],
    ["batches", "Batches"],
    ["shards", "Shards"]
  ]

  const body = html`<header>
<h1>Release <code>${m.release}</code></h1>
<p class="meta">created ${m.created} · acervo ${m.pipeline.version} · configuration sha256 ${short(m.pipeline.config_sha256)} · ${
    m.previous ? html`previous release <code>${m.previous.release}</code> (manifest sha256 ${short(m.previous.manifest_sha256)})` : "first release"
  }</p>
<p class="meta">profiles, most permissive first: ${m.profiles.map((p, i) => html`${i > 0 ? ", " : ""}<code>${p.name}</code>`)}. Every figure comes from this release's <code>manifest.json</code> and <code>tombstones.jsonl</code> and, for exclusions, flags and duplicate clusters, from the catalog when the release was written.</p>
<nav>${sections.map(([id, title]) => html`<a href="#${id}">${title}</a>`)}</nav>
</header>
<ul class="headline">${headline.map(([label, value]) => html`<li><span class="value">${value}</span><span class="label">${label}</span></li>`)}</ul>

<section id="languages"><h2>Languages</h2>
${figure(charts["languages"], "Share of the release's records, characters and summed record fields by language (ISO 639-3).", "The release holds no records.")}
${shareTable(languages, "language", true)}
</section>

<section id="institutions"><h2>Institutions</h2>
${figure(charts["institutions"], "Share of the release's records, characters and summed record fields by contributing institution.", "The release holds no records.")}
${shareTable(institutions, "institution", true)}
</section>

<section id="licences"><h2>Licences</h2>
${figure(charts["licences"], "Share of the release's records and characters by licence (SPDX expression as declared).", "The release holds no records.")}
${shareTable(licences, "licence", false)}
</section>

<section id="profiles"><h2>Profiles</h2>
${figure(charts["profiles"], "Share of the release's records by the profile they are released under (a record goes to the most permissive profile that admits it).", "The release holds no records.")}
${shareTable(profiles, "profile", true, (r) => [profileDescription.get(r.key) ?? ""])}
<p class="note">${formatNumber(m.outside_profiles)} kept document(s) are admitted by none of this release's profiles and are not in it.</p>
</section>

<section id="exclusions"><h2>Exclusions</h2>
${figure(charts["exclusions"], "Documents excluded, by reason, coloured by the stage that excluded them (every batch in the catalog).", "No document was excluded.")}
${exclusions.length > 0 ? table(["stage", "reason", { n: "documents" }], exclusions.map((e) => [html`<code>${e.stage}</code>`, html`<code>${e.code}</code>`, e.n])) : html``}
<h3>Flags</h3>
${flags.length > 0 ? table(["stage", "flag", { n: "documents" }], flags.map((e) => [html`<code>${e.stage}</code>`, html`<code>${e.code}</code>`, e.n])) : html`<p class="empty">No document was flagged.</p>`}
</section>

<section id="duplicates"><h2>Duplicate clusters</h2>
${figure(charts["clusters"], `Records by the size of their cluster: the record and the exact and near copies merged into it (its cluster_size field)${charts["clusters"]?.logarithmic ? "; logarithmic scale" : ""}.`, "The release holds no records.")}
${bins.length > 0 ? table(["cluster size", { n: "records" }, { n: "% records" }, { n: "copies merged" }], bins.map((b) => [b.label, b.records, { n: percent(b.records, m.totals.documents) }, b.merged])) : html``}
</section>

<section id="pii"><h2>PII redactions</h2>
${figure(charts["pii"], "Personal data replaced by typed placeholders in the released records, by type.", "No personal data was redacted in the released records.")}
${pii.length > 0 ? table(["type", { n: "redactions" }], pii.map(([type, n]) => [html`<code>${type}</code>`, n])) : html``}
</section>

<section id="withdrawals"><h2>Withdrawals</h2>
${figure(charts["withdrawals"], "Documents withdrawn so far, by institution; none of them is in this release (tombstones.jsonl lists each).", "No document has been withdrawn.")}
${withdrawnBatches.length > 0 ? table(["institution", "batch", { n: "documents" }], withdrawnBatches.map((r) => [html`<code>${r.institution}</code>`, html`<code>${r.batch}</code>`, r.documents])) : html``}
</section>

<section id="batches"><h2>Batches</h2>
${table(
  ["institution", "batch", "title", "collection", "sha256"],
  m.batches.map((b) => {
    const info = batchInfo.get(`${b.institution}\u0000${b.id}`)
    return [html`<code>${b.institution}</code>`, html`<code>${b.id}</code>`, info?.title ?? "", info?.collection ?? "", short(b.sha256)]
  })
)}
</section>

<section id="shards"><h2>Shards</h2>
${table(
  ["profile", "language", "format", { n: "parts" }, { n: "records" }, { n: "characters" }, { n: "bytes" }],
  [...shardsByStream.values()].map((s) => [html`<code>${s.profile}</code>`, html`<code>${s.lang}</code>`, s.format === "parquet" ? "Parquet (Snappy)" : "JSON lines (gzip)", s.parts, s.documents, s.characters, { n: formatBytes(s.bytes) }])
)}
<details><summary>every part, with its sha256</summary>
${table(["path", { n: "records" }, { n: "bytes" }, "sha256"], m.shards.map((s) => [html`<code>${s.path}</code>`, s.documents, s.bytes, html`<code>${s.sha256}</code>`]))}
</details>
</section>

<footer>acervo release report for <code>${m.release}</code>. Charts drawn by ${library.name} ${library.version} (${library.license} licence), included in this file: it opens without a network.</footer>`

  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(library.source)} ${cspHash(CLIENT)}`,
    `style-src ${cspHash(CSS)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'"
  ].join("; ")

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Release ${m.release} — acervo report`)}</title>
<style>${CSS}</style>
</head>
<body data-charts="pending">
${body.text}
<script type="application/json" id="report-data">${data}</script>
<script>${library.source}</script>
<script>${CLIENT}</script>
</body>
</html>
`
}
