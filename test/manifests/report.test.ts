import { Effect, Option } from "effect"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { gunzipSync } from "node:zlib"
import { chromium, type Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadReferenceTexts } from "../../bench/reference-texts.ts"
import type { Manifest } from "../../manifests/manifest.ts"
import { clusterBins, MAX_BARS, REPORT_FILE, renderReport, type ReportInput } from "../../manifests/report.ts"
import { verifyRelease } from "../../manifests/verify.ts"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { writeRelease } from "../../pipeline/release.ts"
import { processPending } from "../../pipeline/run.ts"
import { withdraw } from "../../pipeline/withdraw.ts"
import type { ReleaseRecord } from "../../stages/shard/record.ts"
import { sampleBatches, sampleBatchNames, tempDir, withApp } from "../helpers.ts"

// Debian's chromium, as CI installs it (`.ci/run`); where it is absent the browser tests are skipped, not failed.
const CHROMIUM = "/usr/bin/chromium"
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) console.warn(`report.html browser tests skipped: ${CHROMIUM} is absent (apt-get install chromium)`)

const HOSTILE = `</script><script>window.__pwned = "script"</script><img src=x onerror="window.__pwned = 'img'">"'><svg onload="window.__pwned = 'svg'">&amp;`

const texts = await loadReferenceTexts()

/** A batch of novels' paragraphs with personal data in them and copies of two, whose title and collection try to break out of the HTML. */
const piiBatch = (into: string) => {
  const dir = join(into, "novelas-pii")
  mkdirSync(dir)
  const pii = ["Escriba a maria.perez@example.cl.", "Llame al +56 9 8765 4321.", "Servidor 192.168.10.20."]
  const docs = Array.from({ length: 12 }, (_, i) => {
    const lang = i % 2 === 0 ? "spa" : "por"
    const paragraphs = texts.eltec[lang]
    const body = paragraphs.slice(i * 5, i * 5 + 4).join("\n\n")
    return { id: `n-${i}`, language: lang, text: `${body}\n\n${pii.slice(0, 1 + (i % 3)).join(" ")}` }
  })
  // Exact copies: a cluster of four and one of two.
  docs.push(...[0, 0, 0, 1].map((n, i) => ({ ...docs[n]!, id: `copy-${i}` })))
  writeFileSync(join(dir, "docs.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n")
  writeFileSync(
    join(dir, "batch.json"),
    JSON.stringify({
      format: "acervo-batch/1",
      institution: "archivo-novelas",
      id: "novelas-01",
      title: HOSTILE,
      collection: `collection ${HOSTILE}`,
      defaults: { license: "CC-BY-4.0", consent: { basis: "license", reference: "r", scope: ["pretraining"] } }
    })
  )
  return dir
}

/** Two documents that will be withdrawn. */
const withdrawnBatch = (into: string) => {
  const dir = join(into, "retiro")
  mkdirSync(dir)
  const docs = [0, 1].map((i) => ({ id: `w-${i}`, language: "por", text: texts.eltec.por.slice(200 + i * 6, 204 + i * 6).join("\n\n") }))
  writeFileSync(join(dir, "docs.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n")
  writeFileSync(
    join(dir, "batch.json"),
    JSON.stringify({
      format: "acervo-batch/1",
      institution: "archivo-retiro",
      id: "retiro-01",
      defaults: { license: "CC0-1.0", consent: { basis: "license", reference: "r", scope: ["pretraining"] } }
    })
  )
  return dir
}

const records = (dir: string, manifest: Manifest): Array<ReleaseRecord> =>
  manifest.shards.filter((s) => s.format === "jsonl").flatMap((s) => gunzipSync(readFileSync(join(dir, s.path))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as ReleaseRecord))

interface ChartSeen {
  readonly id: string
  readonly type: string
  readonly labels: ReadonlyArray<string>
  readonly datasets: ReadonlyArray<{ readonly label: string; readonly data: ReadonlyArray<number>; readonly bars: number; readonly drawn: number }>
  /** Pixels of the canvas that are not transparent. */
  readonly inked: number
}

/** What the tests read in the page: the DOM and Chart.js, as far as they use them (the project's types have no DOM). */
interface Canvas {
  readonly id: string
  readonly width: number
  readonly height: number
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } }
}
interface PageGlobals {
  __violations: Array<string>
  __pwned?: unknown
  readonly document: {
    readonly body: { getAttribute(name: string): string | null }
    addEventListener(type: "securitypolicyviolation", listener: (e: { violatedDirective: string; blockedURI: string }) => void): void
    querySelectorAll(selector: string): ArrayLike<Canvas> & Iterable<Canvas>
  }
  readonly Chart: {
    getChart(canvas: Canvas):
      | {
          config: { type: string }
          options: { indexAxis?: string }
          data: { labels: Array<string>; datasets: Array<{ label: string; data: Array<number> }> }
          getDatasetMeta(i: number): { data: Array<{ x: number; y: number; base: number }> }
        }
      | undefined
  }
}

interface Opened {
  readonly charts: ReadonlyArray<ChartSeen>
  readonly chartState: string | null
  readonly requests: ReadonlyArray<string>
  readonly routed: ReadonlyArray<string>
  readonly violations: ReadonlyArray<string>
  readonly errors: ReadonlyArray<string>
  readonly dialogs: ReadonlyArray<string>
  readonly pwned: unknown
  readonly text: (selector: string) => Promise<ReadonlyArray<string>>
  readonly close: () => Promise<void>
}

/**
 * Opens a report in a context with the network off: every request but the file itself is aborted,
 * and every one is recorded, as are CSP violations, errors and dialogs. Then reads each chart back
 * from Chart.js and counts its inked pixels; saves a full-page screenshot to `screenshot`.
 */
const openReport = async (browser: Browser, file: string, screenshot: string): Promise<Opened> => {
  const url = pathToFileURL(file).href
  const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } })
  const requests: Array<string> = []
  const routed: Array<string> = []
  const errors: Array<string> = []
  const dialogs: Array<string> = []
  await context.route("**/*", (route) => {
    const target = route.request().url()
    if (target === url) return route.continue()
    routed.push(target)
    return route.abort()
  })
  const page = await context.newPage()
  page.on("request", (r) => void requests.push(r.url()))
  page.on("pageerror", (e) => void errors.push(e.message))
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())))
  page.on("dialog", (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  await page.addInitScript(() => {
    const w = globalThis as unknown as PageGlobals
    w.__violations = []
    w.document.addEventListener("securitypolicyviolation", (e) => void w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  await page.goto(url)
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.getAttribute("data-charts") !== "pending", undefined, { timeout: 20_000 })
  const seen = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals
    const charts = [...w.document.querySelectorAll("canvas[data-chart]")].map((canvas) => {
      const chart = w.Chart.getChart(canvas)
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data
      let inked = 0
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked++
      const horizontal = chart?.options.indexAxis === "y"
      return {
        id: canvas.id,
        type: chart?.config.type ?? "none",
        labels: chart ? [...chart.data.labels] : [],
        datasets: chart
          ? chart.data.datasets.map((d, i) => {
              const bars = chart.getDatasetMeta(i).data
              // A drawn bar of a non-zero value reaches away from its base along the value axis.
              return { label: d.label, data: [...d.data], bars: bars.length, drawn: bars.filter((b, j) => d.data[j] !== 0 && Math.abs((horizontal ? b.x : b.y) - b.base) > 0).length }
            })
          : [],
        inked
      }
    })
    return { charts, state: w.document.body.getAttribute("data-charts"), violations: w.__violations, pwned: w.__pwned }
  })
  await page.screenshot({ path: screenshot, fullPage: true })
  console.log(`report screenshot: ${screenshot}`)
  return {
    charts: seen.charts,
    chartState: seen.state,
    requests,
    routed,
    violations: seen.violations,
    errors,
    dialogs,
    pwned: seen.pwned,
    text: (selector) => page.locator(selector).allTextContents(),
    close: () => context.close()
  }
}

const launch = () =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
  })

/** The charts a report hands its script: the JSON in its data element. */
const chartsOf = (html: string) =>
  (JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!) as { charts: Array<{ id: string; labels: Array<string>; datasets: Array<{ label: string; data: Array<number>; counts?: Array<number> }> }> }).charts

/** A release's report input with `languages` languages of `documents(i)` records each, nothing else of note. */
const manyLanguages = (languages: number, documents: (i: number) => number): ReportInput => {
  const codes = Array.from({ length: languages }, (_, i) => `l${String(i).padStart(2, "0")}`)
  const total = codes.reduce((s, _, i) => s + documents(i), 0)
  const byLanguage = Object.fromEntries(codes.map((c, i) => [c, { documents: documents(i), characters: 10 * documents(i) }]))
  return {
    manifest: {
      format: "acervo-manifest/1",
      release: "many",
      created: "2026-01-01T00:00:00.000Z",
      pipeline: { version: "0.1.0", config_sha256: "0".repeat(64) },
      previous: null,
      profiles: [{ name: "open", description: "d" }],
      batches: [],
      shards: [],
      totals: { documents: total, characters: 10 * total, by_language: byLanguage, by_license: { "CC0-1.0": { documents: total, characters: 10 * total } }, by_institution: { a: { documents: total, characters: 10 * total } }, by_profile: { open: { documents: total, characters: 10 * total } }, pii: {}, fields: {} },
      excluded: {},
      flagged: {},
      outside_profiles: 0,
      withdrawn: 0
    },
    exclusions: [],
    flags: [],
    stageOrder: [],
    clusterSizes: [{ size: 1, records: total }],
    withdrawals: [],
    batches: []
  }
}

describe("the report's figures", () => {
  it("bins cluster sizes one by one up to 8, then in doubling ranges up to the largest", () => {
    const bins = clusterBins([{ size: 1, records: 50 }, { size: 2, records: 7 }, { size: 9, records: 1 }, { size: 16, records: 2 }, { size: 40, records: 3 }])
    expect(bins.map((b) => b.label)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9–16", "17–32", "33–64"])
    expect(bins.map((b) => b.records)).toEqual([50, 7, 0, 0, 0, 0, 0, 0, 3, 0, 3])
    expect(bins.map((b) => b.merged)).toEqual([0, 7, 0, 0, 0, 0, 0, 0, 8 + 30, 0, 117])
    expect(clusterBins([])).toEqual([])
  })

  it(`draws at most ${MAX_BARS} bars a category, the rest summed as one, and lists every one in the table`, () => {
    const input = manyLanguages(MAX_BARS + 5, (i) => 100 - i)
    const html = renderReport(input)
    const languages = chartsOf(html).find((c) => c.id === "chart-languages")!
    expect(languages.labels).toHaveLength(MAX_BARS)
    expect(languages.labels.slice(0, 3)).toEqual(["l00", "l01", "l02"])
    expect(languages.labels.at(-1)).toBe("other (6)")
    const records = languages.datasets.find((d) => d.label === "% of records")!
    expect(records.counts!.reduce((s, n) => s + n, 0)).toBe(input.manifest.totals.documents)
    expect(records.counts!.at(-1)).toBe([39, 40, 41, 42, 43, 44].reduce((s, i) => s + 100 - i, 0))
    const section = /<section id="languages">(.*?)<\/section>/s.exec(html)![1]!
    expect(section.match(/<tbody>.*<\/tbody>/s)![0].match(/<tr>/g)).toHaveLength(MAX_BARS + 5)
    // With as many as fit, every one is its own bar; no chart where there is nothing to draw.
    expect(chartsOf(renderReport(manyLanguages(MAX_BARS, () => 1))).find((c) => c.id === "chart-languages")!.labels).toHaveLength(MAX_BARS)
    expect(chartsOf(html).map((c) => c.id)).not.toContain("chart-pii")
    expect(html.includes("No personal data was redacted")).toBe(true)
  })

  it("is the same bytes for the same data, whatever order the catalog gave its rows in", () => {
    const input = manyLanguages(3, (i) => i + 1)
    const exclusions = [{ stage: "gate", code: "license-unknown", n: 2 }, { stage: "dedup", code: "exact-duplicate", n: 5 }, { stage: "ingest", code: "unreadable", n: 1 }]
    const withdrawals = [{ institution: "b", batch: "x" }, { institution: "a", batch: "y" }, { institution: "a", batch: "y" }]
    const one = renderReport({ ...input, exclusions, withdrawals, stageOrder: ["ingest", "dedup", "gate"] })
    const two = renderReport({ ...input, exclusions: [...exclusions].reverse(), withdrawals: [...withdrawals].reverse(), stageOrder: ["ingest", "dedup", "gate"] })
    expect(one === two).toBe(true)
    const excluded = chartsOf(one).find((c) => c.id === "chart-exclusions")!
    expect(excluded.labels).toEqual(["unreadable", "exact-duplicate", "license-unknown"])
    expect(excluded.datasets.map((d) => d.label)).toEqual(["ingest", "dedup", "gate"])
    expect(chartsOf(one).find((c) => c.id === "chart-withdrawals")!.labels).toEqual(["a", "b"])
  })
})

describe("report.html", () => {
  it("is written with the release, the same bytes on a rebuild, without changing the shards, and the release still verifies", async () => {
    const home = tempDir()
    const work = tempDir()
    // No worker threads: each runPromise below builds the app anew, and the release's bytes do not depend on them (test/pipeline/workers.test.ts).
    const app = withApp(home, { workers: 0, sourceDateEpoch: Option.some(1_790_000_000) })
    const build = (out: string) => Effect.runPromise(app(writeRelease({ name: "r", outDir: out, profiles: ["open", "noncommercial"] })) as Effect.Effect<{ dir: string; manifest: Manifest }, unknown>)
    await Effect.runPromise(app(Effect.gen(function* () {
      for (const n of sampleBatchNames) yield* submitBatch(join(sampleBatches, n))
      yield* submitBatch(piiBatch(work))
      yield* processPending
    })) as Effect.Effect<void, unknown>)
    const [one, two] = [await build(tempDir()), await build(tempDir())]
    const report = readFileSync(join(one.dir, REPORT_FILE))
    expect(readFileSync(join(two.dir, REPORT_FILE)).equals(report)).toBe(true)
    expect(two.manifest.shards).toEqual(one.manifest.shards)
    expect(report.toString("utf8").includes(`created ${one.manifest.created}`)).toBe(true)
    // The duplicate clusters are the records' own cluster_size.
    const sizes = new Map<number, number>()
    for (const r of records(one.dir, one.manifest)) sizes.set(r.cluster_size, (sizes.get(r.cluster_size) ?? 0) + 1)
    expect([...sizes.keys()].sort()).toEqual([1, 2, 4])
    const clusters = chartsOf(report.toString("utf8")).find((c) => c.id === "chart-clusters")!
    expect(clusters.labels).toEqual(["1", "2", "3", "4"])
    expect(clusters.datasets[0]!.data).toEqual([1, 2, 3, 4].map((n) => sizes.get(n) ?? 0))
    const verified = await verifyRelease(one.dir, undefined)
    expect(verified.mismatches).toEqual([])
    // Partner text is escaped: the hostile title appears only as text.
    const text = report.toString("utf8")
    expect(text.includes(`<script>window.__pwned`)).toBe(false)
    expect(text.includes(`<img src=x`)).toBe(false)
    expect(text.includes("&lt;/script&gt;&lt;script&gt;window.__pwned")).toBe(true)
    // No address to fetch anything from: the library is inlined, its source-map comment dropped.
    expect(/sourceMappingURL|<script[^>]+src=|<link |https?:\/\/(?!www\.chartjs\.org|github\.com\/kurkle)/.exec(text)?.[0]).toBeUndefined()
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(text)?.[1]
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[^']+' 'sha256-[^']+'; style-src 'sha256-[^']+';/)
  })

  describe.skipIf(!haveChromium)("in headless Chromium with the network off", () => {
    let browser: Browser
    beforeAll(async () => {
      browser = await launch()
    }, 60_000)
    afterAll(async () => {
      await browser?.close()
    })

    it("draws every chart from the release's data: languages, institutions, licences, profiles, exclusions, cluster sizes, PII, withdrawals", async () => {
      const home = tempDir()
      const work = tempDir()
      const out = tempDir()
      const app = withApp(home)
      const { dir, manifest } = await Effect.runPromise(app(Effect.gen(function* () {
        for (const n of sampleBatchNames) yield* submitBatch(join(sampleBatches, n))
        yield* submitBatch(piiBatch(work))
        yield* submitBatch(withdrawnBatch(work))
        yield* processPending
        yield* withdraw({ batch: "archivo-retiro/retiro-01" }, "the archive asked for it")
        return yield* writeRelease({ name: "multi", outDir: out, profiles: ["open", "noncommercial"] })
      })) as Effect.Effect<{ dir: string; manifest: Manifest }, unknown>)
      expect(Object.keys(manifest.totals.by_language).length).toBeGreaterThanOrEqual(4)
      expect(Object.keys(manifest.totals.pii).length).toBeGreaterThanOrEqual(2)
      expect(manifest.withdrawn).toBe(2)

      const opened = await openReport(browser, join(dir, REPORT_FILE), join(work, "report.png"))
      try {
        expect(opened.chartState).toBe("rendered")
        expect(opened.routed).toEqual([])
        expect(opened.requests).toEqual([pathToFileURL(join(dir, REPORT_FILE)).href])
        expect(opened.violations).toEqual([])
        expect(opened.errors).toEqual([])
        expect(opened.dialogs).toEqual([])
        expect(opened.pwned).toBeUndefined()

        const chart = (id: string) => {
          const c = opened.charts.find((x) => x.id === `chart-${id}`)
          expect(c, `chart-${id}`).toBeDefined()
          return c!
        }
        for (const c of opened.charts) {
          expect(c.type, c.id).toBe("bar")
          expect(c.inked, `${c.id} has ink`).toBeGreaterThan(1000)
          for (const d of c.datasets) {
            expect(d.bars, `${c.id} ${d.label}`).toBe(c.labels.length)
            expect(d.drawn, `${c.id} ${d.label}`).toBe(d.data.filter((v) => v !== 0).length)
          }
        }
        expect(opened.charts.map((c) => c.id).sort()).toEqual(
          ["chart-clusters", "chart-exclusions", "chart-institutions", "chart-languages", "chart-licences", "chart-pii", "chart-profiles", "chart-withdrawals"]
        )

        // A bar per language, institution, licence and profile, the first dataset its share of records.
        for (const [id, tallies] of [
          ["languages", manifest.totals.by_language],
          ["institutions", manifest.totals.by_institution],
          ["licences", manifest.totals.by_license],
          ["profiles", manifest.totals.by_profile]
        ] as const) {
          const c = chart(id)
          expect([...c.labels].sort(), id).toEqual(Object.keys(tallies).sort())
          const documents = c.datasets[0]!
          expect(documents.label).toBe("% of records")
          c.labels.forEach((label, i) => expect(documents.data[i], `${id} ${label}`).toBeCloseTo((100 * tallies[label]!.documents) / manifest.totals.documents, 1))
        }
        expect(chart("languages").datasets.map((d) => d.label)).toEqual(["% of records", "% of characters", "% of tokens"])

        // Exclusions: one bar per reason, a dataset per stage, summing to the manifest's counts.
        const exclusions = chart("exclusions")
        expect([...exclusions.labels].sort()).toEqual(Object.keys(manifest.excluded).sort())
        expect(exclusions.datasets.map((d) => d.label)).toEqual(expect.arrayContaining(["dedup", "gate", "withdraw"]))
        exclusions.labels.forEach((code, i) => expect(exclusions.datasets.reduce((s, d) => s + d.data[i]!, 0), code).toBe(manifest.excluded[code]))

        // Cluster sizes: the records' own cluster_size, binned, every record counted once.
        const sizes = new Map<number, number>()
        for (const r of records(dir, manifest)) sizes.set(r.cluster_size, (sizes.get(r.cluster_size) ?? 0) + 1)
        const expected = clusterBins([...sizes].map(([size, n]) => ({ size, records: n })))
        const clusters = chart("clusters")
        expect(clusters.labels).toEqual(expected.map((b) => b.label))
        expect(clusters.datasets[0]!.data).toEqual(expected.map((b) => b.records))
        expect(clusters.datasets[0]!.data.reduce((s, n) => s + n, 0)).toBe(manifest.totals.documents)
        expect(Math.max(...sizes.keys())).toBe(4)

        const pii = chart("pii")
        expect(Object.fromEntries(pii.labels.map((l, i) => [l, pii.datasets[0]!.data[i]]))).toEqual(manifest.totals.pii)
        const withdrawals = chart("withdrawals")
        expect(withdrawals.labels).toEqual(["archivo-retiro"])
        expect(withdrawals.datasets[0]!.data).toEqual([2])

        // The headline figures and the tables say what the charts show.
        const headline = await opened.text(".headline li")
        expect(headline).toContain(`${manifest.totals.documents.toLocaleString("en-US")}records`)
        expect(headline).toContain("2documents withdrawn")
        const languageRows = await opened.text("#languages tbody tr")
        expect(languageRows).toHaveLength(Object.keys(manifest.totals.by_language).length)
        // The hostile batch title is shown as the text it is.
        expect(await opened.text("#batches td")).toContain(HOSTILE)
      } finally {
        await opened.close()
      }
    })

    it("shows hostile institution, licence, language and reason names as text, in tables and chart labels, and runs none of them", async () => {
      const work = tempDir()
      const name = (what: string) => `${what} ${HOSTILE}`
      const tally = { documents: 3, characters: 300 }
      const manifest: Manifest = {
        format: "acervo-manifest/1",
        release: "hostile",
        created: "2026-01-01T00:00:00.000Z",
        pipeline: { version: "0.1.0", config_sha256: "0".repeat(64) },
        previous: null,
        profiles: [{ name: name("profile"), description: name("description") }],
        batches: [{ institution: name("institution"), id: name("batch"), sha256: "1".repeat(64) }],
        shards: [{ path: `shards/p/${name("lang")}/part-00000.jsonl.gz`, sha256: "2".repeat(64), bytes: 100, documents: 3, characters: 300, lang: name("lang"), profile: name("profile"), format: "jsonl" }],
        totals: {
          documents: 3,
          characters: 300,
          by_language: { [name("lang")]: tally },
          by_license: { [name("LicenseRef")]: tally },
          by_institution: { [name("institution")]: tally },
          by_profile: { [name("profile")]: tally },
          pii: { [name("pii")]: 4 },
          fields: { tokens: { total: 90, by_language: { [name("lang")]: 90 }, by_profile: { [name("profile")]: 90 }, by_institution: { [name("institution")]: 90 } } }
        },
        excluded: { [name("reason")]: 2 },
        flagged: {},
        outside_profiles: 0,
        withdrawn: 1
      }
      const input: ReportInput = {
        manifest,
        exclusions: [{ stage: name("stage"), code: name("reason"), n: 2 }],
        flags: [{ stage: name("stage"), code: name("flag"), n: 1 }],
        stageOrder: [],
        clusterSizes: [{ size: 1, records: 2 }, { size: 3, records: 1 }],
        withdrawals: [{ institution: name("institution"), batch: name("batch") }],
        batches: [{ institution: name("institution"), id: name("batch"), title: name("title"), collection: name("collection") }]
      }
      const file = join(work, REPORT_FILE)
      writeFileSync(file, renderReport(input))
      const opened = await openReport(browser, file, join(work, "hostile.png"))
      try {
        expect(opened.pwned).toBeUndefined()
        expect(opened.dialogs).toEqual([])
        expect(opened.routed).toEqual([])
        expect(opened.requests).toHaveLength(1)
        expect(opened.violations).toEqual([])
        expect(opened.errors).toEqual([])
        expect(opened.chartState).toBe("rendered")
        const cells = await opened.text("td")
        for (const what of ["lang", "LicenseRef", "institution", "profile", "description", "pii", "reason", "stage", "flag", "batch", "title", "collection"]) {
          expect(cells, what).toContain(name(what))
        }
        const labels = Object.fromEntries(opened.charts.map((c) => [c.id, c.labels]))
        expect(labels["chart-languages"]).toEqual([name("lang")])
        expect(labels["chart-institutions"]).toEqual([name("institution")])
        expect(labels["chart-licences"]).toEqual([name("LicenseRef")])
        expect(labels["chart-pii"]).toEqual([name("pii")])
        expect(labels["chart-exclusions"]).toEqual([name("reason")])
        expect(opened.charts.find((c) => c.id === "chart-exclusions")!.datasets.map((d) => d.label)).toEqual([name("stage")])
        expect(await opened.text("h1")).toEqual(["Release hostile"])
      } finally {
        await opened.close()
      }
    })
  })
})
