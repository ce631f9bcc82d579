import { Effect, Option } from "effect"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { chromium, type Browser, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Batches } from "../../catalog/batches.ts"
import { startIntakeServer } from "../../pipeline/server/serve.ts"
import { tarGz } from "../archives.ts"
import { copyBatch, sampleBatches, tempDir, withApp } from "../helpers.ts"
import { tokenFor } from "./http.ts"

// Debian's chromium, as CI installs it (`.ci/run`); where it is absent the test is skipped, not failed.
const CHROMIUM = "/usr/bin/chromium"
const haveChromium = existsSync(CHROMIUM)

describe.skipIf(!haveChromium)("intake page in headless Chromium", () => {
  const home = tempDir("acervo-page-")
  const work = tempDir("acervo-page-work-")
  let server: { url: string; close: () => Promise<void> }
  let browser: Browser
  let broken: string

  beforeAll(async () => {
    server = await startIntakeServer({
      settings: { home, workers: 0 },
      server: { release: Option.some("pagina"), releaseOut: join(work, "releases"), pollSeconds: 1 }
    })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
    const brokenDir = copyBatch("rapanui-kieviet", work)
    const manifest = JSON.parse(readFileSync(join(brokenDir, "batch.json"), "utf8"))
    manifest.id = "kieviet-roto"
    manifest.institution = "Rapa Nui"
    manifest.licence = "CC-BY-4.0"
    writeFileSync(join(brokenDir, "batch.json"), JSON.stringify(manifest))
    broken = await tarGz(brokenDir, join(work, "broken.tar.gz"))
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const open = async (locale: string) => {
    const context = await browser.newContext({ locale })
    const page = await context.newPage()
    await page.goto(server.url)
    return page
  }
  const signIn = async (page: Page, token: string, accepted: string) => {
    await page.fill("#token", token)
    await page.click("#use-token")
    await page.getByText(accepted).waitFor()
  }

  it("uploads a sample batch, shows the validation result, follows its processing to the result, and withdraws it", async () => {
    const token = await tokenFor(home, "rapanui-demo", "partner")
    const good = await tarGz(join(sampleBatches, "rapanui-kieviet"), join(work, "rapanui-kieviet.tar.gz"))
    const page = await open("en-US")
    await signIn(page, token, "Token accepted.")

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
    expect(await page.locator("#mode").textContent()).toContain("This server processes uploaded batches itself")

    // No `acervo run`: the server processes it, and the page follows without a reload.
    const row = page.locator('#batch-table tr[data-batch="kieviet-2017"]')
    await page.locator('#batch-table tr[data-batch="kieviet-2017"][data-state="processed"]').waitFor({ timeout: 60_000 })
    expect(await row.locator(".state").textContent()).toBe("processed")
    expect(await row.locator(".progress").textContent()).toMatch(/^1 of 1 files · \d+ kept · \d+ excluded$/)
    await row.locator("button.details").click()
    const documents = page.locator("#documents tbody tr")
    await documents.first().waitFor()
    const rows = await documents.allTextContents()
    expect(rows.some((r) => r.includes("kept") && r.includes("rap"))).toBe(true)
    expect(await page.locator("#result").textContent()).toMatch(/\d+ document\(s\) kept, \d+ excluded\./)
    await page.getByText("Release pagina holds this batch as it is now").waitFor({ timeout: 30_000 })

    await page.fill("#withdraw-reason", "the speakers asked for it back")
    await page.click("#withdraw")
    await page.locator("#withdraw-ok").waitFor()
    expect(await page.locator("#withdraw-ok").textContent()).toMatch(/^Withdrawn: \d+ document\(s\)\. The server is writing release pagina without them\.$/)
    await page.locator("#detail-state", { hasText: "withdrawn" }).waitFor()
    await page.getByText("Release pagina holds this batch as it is now").waitFor({ timeout: 30_000 })
    await page.context().close()
  }, 120_000)

  it("speaks Spanish, Portuguese or English as the browser asks, refusals included, and remembers a switch", async () => {
    const es = await open("es-CL")
    expect(await es.getAttribute("html", "lang")).toBe("es")
    expect(await es.locator("h1").textContent()).toBe("acervo: entrega de lotes")
    expect(await es.locator("#upload-folder").textContent()).toBe("Empaquetar y subir carpeta")
    await es.fill("#token", "acervo_not-a-real-token")
    await es.click("#use-token")
    const esRefusal = es.locator("#batches .refused")
    await esRefusal.waitFor()
    expect(await esRefusal.textContent()).toMatch(/^Rechazado \(401, token-invalid\): Este token no es conocido/)
    // The server's own words stay beside the translation, as the detail.
    expect(await esRefusal.locator(".detail").textContent()).toMatch(/Mensaje del servidor.*this token is not known/)
    await es.context().close()

    const pt = await open("pt-BR")
    expect(await pt.locator("#upload").textContent()).toBe("Enviar arquivo")
    expect(await pt.title()).toBe("acervo — entrega de lotes")
    await signIn(pt, await tokenFor(home, "rapanui-demo", "partner"), "Token aceito.")
    await pt.setInputFiles("#archive", broken)
    await pt.click("#upload")
    const ptRefusal = pt.locator("#upload-result .refused")
    await ptRefusal.waitFor()
    expect(await ptRefusal.textContent()).toMatch(/^Recusado \(422, batch-invalid\): O lote foi recusado e nada foi registrado/)
    expect(await pt.locator('#problems tr[data-code="field-unknown"]').first().textContent()).toMatch(/erro.*campo desconhecido.*unknown field "licence"/)

    // The switch redraws what is on the page, and the choice outlives a reload.
    await pt.click('button[data-lang="en"]')
    expect(await pt.getAttribute("html", "lang")).toBe("en")
    expect(await pt.locator("h1").textContent()).toBe("acervo: batch intake")
    expect(await ptRefusal.textContent()).toMatch(/^Refused \(422, batch-invalid\): The batch was refused and nothing was registered/)
    expect(await pt.locator('#problems tr[data-code="field-unknown"]').first().textContent()).toMatch(/error.*unknown field/)
    expect(await pt.locator('button[data-lang="en"]').getAttribute("aria-pressed")).toBe("true")
    await pt.reload()
    expect(await pt.locator("#upload").textContent()).toBe("Upload archive")
    await pt.click('button[data-lang="es"]')
    expect(await pt.locator("#upload").textContent()).toBe("Subir archivo")
    expect(await pt.locator("#batches-h").textContent()).toBe("3. Sus lotes")
    await pt.context().close()

    // A language the page does not speak: English.
    const fr = await open("fr-FR")
    expect(await fr.locator("h1").textContent()).toBe("acervo: batch intake")
    await fr.context().close()
  }, 60_000)

  it("packs a chosen folder into a zip in the browser and uploads it, registered with every file as it was", async () => {
    const folder = join(work, "lote-carpeta")
    mkdirSync(join(folder, "textos", "año 2024"), { recursive: true })
    const files: Record<string, string> = {
      "textos/artículo-1.txt": readFileSync(join(sampleBatches, "biblioteca-udhr", "textos", "es-01.txt"), "utf8"),
      "textos/año 2024/artigo-1.txt": readFileSync(join(sampleBatches, "biblioteca-udhr", "textos", "pt-01.txt"), "utf8")
    }
    for (const [path, text] of Object.entries(files)) writeFileSync(join(folder, path), text)
    // What a Mac leaves in a folder is not the partner's: the page leaves it out.
    writeFileSync(join(folder, ".DS_Store"), Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]))
    writeFileSync(
      join(folder, "batch.json"),
      JSON.stringify({
        format: "acervo-batch/1",
        institution: "biblioteca-demo",
        id: "lote-carpeta",
        defaults: { license: "CC-PDM-1.0", consent: { basis: "public-domain", reference: "OHCHR", scope: ["pretraining"] }, kind: "government" }
      })
    )
    const page = await open("es-ES")
    await signIn(page, await tokenFor(home, "biblioteca-demo", "partner"), "Token aceptado.")
    await page.setInputFiles("#folder", folder)
    await page.click("#upload-folder")
    const ok = page.locator("#upload-ok")
    await ok.waitFor()
    expect(await ok.textContent()).toBe("Lote lote-carpeta de biblioteca-demo registrado: 2 archivo(s) de documentos.")
    await page.context().close()

    const batch = await Effect.runPromise(withApp(home)(Effect.flatMap(Batches, (b) => b.findBatch("biblioteca-demo", "lote-carpeta"))))
    expect(batch).toBeDefined()
    for (const [path, text] of Object.entries(files)) expect(readFileSync(join(batch!.stored_path, path), "utf8")).toBe(text)
    expect(existsSync(join(batch!.stored_path, ".DS_Store"))).toBe(false)
  }, 60_000)
})
