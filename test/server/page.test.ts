import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { chromium, type Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startIntakeServer } from "../../pipeline/server/serve.ts"
import { tarGz } from "../archives.ts"
import { cli, copyBatch, sampleBatches, tempDir } from "../helpers.ts"
import { tokenFor } from "./http.ts"

// Debian's chromium, as CI installs it (`.ci/run`); where it is absent the test is skipped, not failed.
const CHROMIUM = "/usr/bin/chromium"
const haveChromium = existsSync(CHROMIUM)

describe.skipIf(!haveChromium)("intake page in headless Chromium", () => {
  const home = tempDir("acervo-page-")
  const work = tempDir("acervo-page-work-")
  let server: { url: string; close: () => Promise<void> }
  let browser: Browser

  beforeAll(async () => {
    server = await startIntakeServer({ settings: { home } })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it("uploads a sample batch through the page, shows the validation result and follows its status", async () => {
    const token = await tokenFor(home, "rapanui-demo", "partner")
    const good = await tarGz(join(sampleBatches, "rapanui-kieviet"), join(work, "rapanui-kieviet.tar.gz"))
    const brokenDir = copyBatch("rapanui-kieviet", work)
    const manifest = JSON.parse(readFileSync(join(brokenDir, "batch.json"), "utf8"))
    manifest.id = "kieviet-roto"
    manifest.institution = "Rapa Nui"
    manifest.licence = "CC-BY-4.0"
    writeFileSync(join(brokenDir, "batch.json"), JSON.stringify(manifest))
    const broken = await tarGz(brokenDir, join(work, "broken.tar.gz"))

    const page = await browser.newPage()
    await page.goto(server.url)
    await page.fill("#token", token)
    await page.click("#use-token")
    await page.getByText("Token accepted.").waitFor()

    await page.setInputFiles("#archive", broken)
    await page.click("#upload")
    const refusal = page.locator("#upload-result .refused")
    await refusal.waitFor()
    expect(await refusal.textContent()).toContain("batch-invalid")
    const problems = await page.locator("#problems tbody tr").allTextContents()
    expect(problems.length).toBeGreaterThanOrEqual(2)
    expect(problems.join("\n")).toMatch(/\$\.institution/)
    expect(problems.join("\n")).toMatch(/\$\.licence.*unknown field/)

    await page.setInputFiles("#archive", good)
    await page.click("#upload")
    const ok = page.locator("#upload-ok")
    await ok.waitFor()
    expect(await ok.textContent()).toContain("Registered batch kieviet-2017 of rapanui-demo")
    const row = page.locator('#batch-table tr[data-batch="kieviet-2017"]')
    await row.waitFor()
    expect(await row.locator(".state").textContent()).toBe("waiting for processing")

    // The operator's run processes it; the partner refreshes and reads the outcome per document.
    const run = await cli(["run", "--release", "p1", "--out", join(work, "releases"), "--home", home])
    expect(run.code, run.stderr).toBe(0)
    await page.click("#refresh")
    await page.locator('#batch-table tr[data-batch="kieviet-2017"] .state', { hasText: "processed" }).waitFor()
    await page.locator('#batch-table tr[data-batch="kieviet-2017"] button.details').click()
    const documents = page.locator("#documents tbody tr")
    await documents.first().waitFor()
    const rows = await documents.allTextContents()
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.some((r) => r.includes("kept") && r.includes("rap"))).toBe(true)
    await page.close()
  }, 120_000)
})
