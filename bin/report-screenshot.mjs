#!/usr/bin/env node
// `npm run report:screenshot [-- REPORT.html [OUT.png]]`: a full-page screenshot of a release's
// report.html (default: releases/sample/report.html, the one `npm start` writes) into OUT.png
// (default: docs/report.png), taken by Debian's headless Chromium with the network off.
import { existsSync, mkdirSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { chromium } from "playwright-core"

const CHROMIUM = "/usr/bin/chromium"
const [report = "releases/sample/report.html", out = "docs/report.png"] = process.argv.slice(2)
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is absent: install Debian's chromium (apt-get install chromium)`)
  process.exit(1)
}
if (!existsSync(report)) {
  console.error(`${report} does not exist: write a release first (npm start writes releases/sample)`)
  process.exit(1)
}
const url = pathToFileURL(resolve(report)).href
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] })
try {
  const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } })
  await context.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()))
  const page = await context.newPage()
  await page.goto(url)
  await page.waitForFunction(() => document.body.getAttribute("data-charts") !== "pending", undefined, { timeout: 20_000 })
  const state = await page.evaluate(() => document.body.getAttribute("data-charts"))
  if (state !== "rendered") throw new Error(`the charts did not render (data-charts="${state}")`)
  mkdirSync(dirname(resolve(out)), { recursive: true })
  await page.screenshot({ path: out, fullPage: true })
  console.log(`${out}: screenshot of ${report}`)
} finally {
  await browser.close()
}
