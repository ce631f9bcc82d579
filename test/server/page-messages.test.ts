import { archiveRefusalCodes } from "../../pipeline/errors.ts"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { pageLanguageFor, pageLanguages, pageMessages } from "../../pipeline/server/page-messages.ts"
import { projectRoot } from "../helpers.ts"

const sources = (...dirs: Array<string>) =>
  dirs.flatMap((dir) =>
    readdirSync(join(projectRoot, dir), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(projectRoot, dir, f), "utf8"))
  )

const codesIn = (texts: ReadonlyArray<string>, patterns: ReadonlyArray<RegExp>) =>
  new Set(texts.flatMap((text) => patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1]!))))

describe("the page's messages", () => {
  it("translates every refusal reason the API sends and every problem code a batch can have, in every language", () => {
    const server = sources("pipeline/server")
    const reasons = codesIn(server, [/reason: "([a-z0-9-]+)"/g, /refusal\(\d+, "([a-z0-9-]+)"/g])
    for (const what of ["batch", "document"]) reasons.add(`${what}-not-found`)
    for (const code of archiveRefusalCodes) reasons.add(code)
    const problems = codesIn(sources("pipeline/batch", "domain"), [/code: "([a-z0-9-]+)"/g])
    expect(reasons.size).toBeGreaterThan(30)
    expect(problems.size).toBeGreaterThan(20)
    for (const lang of pageLanguages) {
      expect([...reasons].filter((c) => !(c in pageMessages[lang].reasons)), `${lang} reasons`).toEqual([])
      expect([...problems].filter((c) => !(c in pageMessages[lang].problems)), `${lang} problems`).toEqual([])
      expect(Object.keys(pageMessages[lang].ui).sort()).toEqual(Object.keys(pageMessages.en.ui).sort())
      expect(Object.keys(pageMessages[lang].exclusions).sort()).toEqual(Object.keys(pageMessages.en.exclusions).sort())
    }
  })

  it("translates every exclusion and flag code the README lists", () => {
    const readme = readFileSync(join(projectRoot, "README.md"), "utf8")
    const section = readme.slice(readme.indexOf("## Exclusions and flags"), readme.indexOf("## Language identification"))
    const codes = new Set([...section.matchAll(/`([a-z]+(?:-[a-z0-9]+)*)`/g)].map((m) => m[1]!).filter((c) => !/^(acervo|pretraining|declared|file)$/.test(c)))
    codes.add("withdrawn")
    expect(codes.size).toBeGreaterThan(30)
    for (const lang of pageLanguages) expect([...codes].filter((c) => !(c in pageMessages[lang].exclusions)), lang).toEqual([])
  })

  it("takes the first of Spanish, Portuguese and English in the browser's order, and English otherwise", () => {
    expect(pageLanguageFor("es-CL,es;q=0.9,en;q=0.8")).toBe("es")
    expect(pageLanguageFor("pt-BR")).toBe("pt")
    expect(pageLanguageFor("fr-FR,fr;q=0.9,pt;q=0.5,en;q=0.4")).toBe("pt")
    expect(pageLanguageFor("en;q=0.3, es;q=0.7")).toBe("es")
    expect(pageLanguageFor("es;q=0, en")).toBe("en")
    expect(pageLanguageFor("de-DE")).toBe("en")
    expect(pageLanguageFor(undefined)).toBe("en")
    expect(pageLanguageFor("")).toBe("en")
  })
})
