import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { LangidConfig } from "../../stages/langid/config.ts"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import { documentFrom, type FileToRead } from "../../stages/ingest/reader.ts"
import { evaluate, langidTargets } from "../../bench/langid-eval.ts"
import { foldOrthography, scoringText } from "../../stages/langid/fold.ts"
import { identify, MissingProfiles, scorerFor } from "../../stages/langid/identify.ts"
import { langidStage, reconcileLanguage } from "../../stages/langid/langid.ts"
import { loadProfiles } from "../../stages/langid/profile.ts"
import { lineSegments } from "../../stages/langid/segments.ts"
import { buildProfile, readTrainingFile } from "../../stages/langid/train.ts"
import { applyPure, fixture, projectRoot, sampleBatches } from "../helpers.ts"

const defaultCandidates = ["spa", "por", "arn", "rap", "glg", "cat", "ast", "eng", "quz", "quy", "ayr", "gug", "tah", "mri", "haw", "smo", "rar"]
const settings: LangidConfig = { candidates: defaultCandidates, segments: 64, dominantShare: 0.6, mismatchAction: "flag", mismatchMinChars: 200 }
const options = { candidates: defaultCandidates, segments: 64, dominantShare: 0.6 }
const file: FileToRead = {
  fileId: 1, institution: "test", batchId: "b", batchSeq: 1, path: "a.txt", storedPath: "/dev/null",
  sha256: "", bytes: 0, documentId: undefined, fields: {}, doneUnits: 0
}
let n = 0
const doc = (text: string, fields: DocumentFields = {}) =>
  documentFrom(file, { localId: `d${n++}`, line: 0, fields, text, encoding: "utf-8", rawBytes: text.length })
const udhr = (name: string) => readFileSync(join(sampleBatches, "biblioteca-udhr", "textos", name), "utf8")
const portuguese = ["pt-00.txt", "pt-01.txt", "pt-03.txt"].map(udhr).join("\n\n")
const spanish = ["es-00.txt", "es-01.txt"].map(udhr).join("\n\n")
const mapudungun = ["arn-00.txt", "arn-01.txt"].map(udhr).join("\n\n")
const kieviet = readFileSync(fixture("kieviet-60.txt"), "utf8").trim().split("\n")
const devSet = readFileSync(join(projectRoot, "corpora", "langid", "dev.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { text: string; lang: string; source: string })

describe("orthography folding", () => {
  it("folds the ways Rapa Nui is typed into one form: saltillo variants, ŋ / ng / g, macrons, stress marks", () => {
    const standard = "He ꞌite ꞌā te taŋata ꞌi te ꞌīŋoa o tū poki era."
    for (const typed of ["He 'ite 'a te tangata 'i te 'ingoa o tu poki era.", "He ʻite ʻa te tagata ʻi te ʻigoa o tū poki era.", "He ’ite ’ā te taŋata ‘i te ˈꞌīˌŋoa o tū poki era."]) {
      expect(scoringText(typed)).toBe(scoringText(standard))
    }
  })

  it("folds the Mapudungun velar nasal and ü across alphabets, and leaves Spanish letters alone", () => {
    expect(foldOrthography("Mongeleam küme")).toBe(foldOrthography("Mogeleam kvme"))
    expect(foldOrthography("txür")).toBe(foldOrthography("trür"))
    expect(foldOrthography("Señora García, ¿cómo está?")).toBe("señora garcía, ¿cómo está?")
  })

  it("never folds the stored text", () => {
    const text = kieviet.slice(0, 10).join("\n")
    const outcome = reconcileLanguage(doc(text, { language: "rap" }), settings)
    expect(outcome.document.text).toBe(text)
  })
})

describe("profiles", () => {
  it("rebuild byte for byte from their recorded sources, whose hashes still match", () => {
    const profiles = loadProfiles()
    expect([...profiles.keys()].sort()).toEqual([...defaultCandidates].sort())
    for (const [lang, profile] of profiles) {
      const files = profile.sources.map((s) => readTrainingFile(join(projectRoot, s.file)))
      expect(files.map((f) => f.sha256), lang).toEqual(profile.sources.map((s) => s.sha256))
      expect(buildProfile(lang, files, profile.license, profile.attribution).trigrams, lang).toBe(profile.trigrams)
      expect(profile.trigrams.split("|")).toHaveLength(300)
    }
  })

  it("give Rapa Nui and both Mapudungun alphabets their own trigrams", () => {
    const profiles = loadProfiles()
    const rap = profiles.get("rap")!.trigrams.split("|")
    expect(rap).toContain(scoringText("ꞌā").trim().padStart(3, " "))
    const arn = new Set(profiles.get("arn")!.trigrams.split("|"))
    // "küme" (Unificado, AVENUE) and "kvme" (Ragileo, UDHR) fold to the same trigrams; "xvr" is Ragileo only.
    expect(arn.has(" kv")).toBe(true)
    expect([...arn].some((t) => t.includes("x"))).toBe(true)
    expect([...arn].some((t) => t.includes("tr"))).toBe(true)
  })
})

describe("segments", () => {
  it("cuts a line into sentences and merges short ones with a neighbour", () => {
    const segments = lineSegments("Sí. Considerando que la libertad, la justicia y la paz tienen por base la dignidad. Bien. Fin del preámbulo de la declaración.")
    expect(segments).toEqual([
      "Sí. Considerando que la libertad, la justicia y la paz tienen por base la dignidad. Bien.",
      "Fin del preámbulo de la declaración."
    ])
  })
})

describe("identification", () => {
  it("tells UDHR Spanish, Portuguese and Mapudungun, and Kieviet's Rapa Nui, when nothing is declared", () => {
    for (const [text, lang] of [[spanish, "spa"], [portuguese, "por"], [mapudungun, "arn"], [kieviet.join("\n"), "rap"]] as const) {
      const outcome = reconcileLanguage(doc(text), settings)
      expect(outcome._tag).toBe("Kept")
      expect(outcome.document.language, lang).toMatchObject({ lang, declared: null, detected: lang })
      expect(outcome.document.language!.langs[lang]).toBeGreaterThan(0.8)
      expect(outcome.document.language!.score).toBeGreaterThan(0.5)
    }
  })

  it("gives the shares of a code-switched AVENUE transcript and labels it mul when neither language dominates", () => {
    // The transcript as delivered: Mapudungun (M:) and Spanish (C:) turns interleaved, one a line.
    const raw = readFileSync(fixture("avenue", "nmdch-nfbat2.raw-latin1.txt"), "latin1")
    const text = raw.split(/\r?\n|\r/).filter((l) => /^[MC]:/.test(l)).map((l) => l.slice(2).trim()).join("\n")
    const id = identify(text, { ...options, segments: 10_000 })
    expect(id.langs["arn"]).toBeGreaterThan(0.25)
    expect(id.langs["spa"]).toBeGreaterThan(0.25)
    expect(id.lang).toBe("mul")
    expect(identify(text, { ...options, segments: 10_000, dominantShare: 0.51 }).lang).toMatch(/^(arn|spa|mul)$/)
  })

  it("answers und instead of guessing on text it cannot tell", () => {
    for (const text of ["12 345 678", "ok", "Это предложение написано по-русски, а не на языке из списка.", "地球是圆的，这是众所周知的事实。"]) {
      expect(identify(text, options), text).toMatchObject({ lang: "und", score: null })
    }
  })

  it("meets the targets on the labelled development set", () => {
    const items = devSet.map((d) => ({ chars: [...d.text].length, truth: d.lang, predicted: identify(d.text, options).lang }))
    const t = langidTargets(evaluate(items))
    expect(t["rap F1 >20"]).toBeGreaterThanOrEqual(0.97)
    expect(t["arn F1 >20"]).toBeGreaterThanOrEqual(0.95)
    expect(t["spa F1 >50"]).toBeGreaterThanOrEqual(0.97)
    expect(t["por F1 >50"]).toBeGreaterThanOrEqual(0.97)
    expect(t["confusers labelled rap or arn"]).toBeLessThan(0.01)
    const plain = devSet.filter((d) => d.source === "kieviet-plain-typing" && d.text.length > 20)
    const right = plain.filter((d) => identify(d.text, options).lang === "rap").length
    expect(right / plain.length).toBeGreaterThan(0.97)
  }, 60_000)

  it("refuses a candidate without a profile, naming how to build one", () => {
    expect(() => scorerFor(["spa", "xyz"])).toThrow(MissingProfiles)
    expect(() => scorerFor(["spa", "xyz"])).toThrow(/acervo langid train --lang CODE/)
  })
})

describe("declared and detected", () => {
  it("keeps an agreeing declared label without a flag, with the declared language's score", () => {
    const outcome = reconcileLanguage(doc(portuguese, { language: "por" }), settings)
    expect(outcome).toMatchObject({ _tag: "Kept", document: { flags: [], language: { lang: "por", declared: "por" } } })
    expect(outcome.document.language!.score).toBeGreaterThan(0.5)
  })

  it("flags a confident mismatch and keeps the declared label instead of silently relabelling", () => {
    const outcome = reconcileLanguage(doc(portuguese, { language: "spa" }), settings)
    expect(outcome._tag).toBe("Kept")
    expect(outcome.document.language).toMatchObject({ lang: "spa", declared: "spa", detected: "por" })
    expect(outcome.document.flags).toEqual([expect.objectContaining({ stage: "langid", code: "lang-mismatch" })])
    expect(outcome.document.flags[0]!.detail).toContain("declared spa, detected por")
  })

  it("excludes a confident mismatch when configured to", () => {
    const outcome = reconcileLanguage(doc(portuguese, { language: "spa" }), { ...settings, mismatchAction: "exclude" })
    expect(outcome).toMatchObject({ _tag: "Excluded", reason: { stage: "langid", code: "lang-mismatch" } })
  })

  it("does not call a short text a confident mismatch", () => {
    const outcome = reconcileLanguage(doc("Nadie será sometido a torturas ni a penas o tratos crueles.", { language: "por" }), settings)
    expect(outcome.document.flags).toEqual([])
  })

  it("scores a declared Rapa Nui document with its own profile", async () => {
    const [outcome] = applyPure(langidStage, settings, [doc(kieviet.join("\n"), { language: "rap" })])
    expect(outcome).toMatchObject({ _tag: "Kept", document: { flags: [], language: { lang: "rap", declared: "rap", detected: "rap" } } })
    expect(outcome!.document.language!.score).toBeGreaterThan(0.5)
  })

  it("uses a batch's own candidate set", () => {
    const outcome = reconcileLanguage(doc(spanish, { langid: { candidates: ["por", "glg", "arn"] } }), settings)
    expect(Object.keys(outcome.document.language!.langs).every((l) => ["por", "glg", "arn"].includes(l))).toBe(true)
    expect(outcome.document.language!.lang).not.toBe("spa")
  })
})
