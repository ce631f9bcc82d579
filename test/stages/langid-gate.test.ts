import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { AcervoSettings } from "../../pipeline/config.ts"
import { documentFrom, type FileToRead } from "../../stages/ingest/reader.ts"
import { langidStage, reconcileLanguage } from "../../stages/langid/langid.ts"
import { gateDocument } from "../../stages/gate/gate.ts"
import { reelectShadowedSurvivors } from "../../stages/dedup/dedup.ts"
import { resolveLicense } from "../../licenses/expression.ts"
import { defaultRegistry } from "../../licenses/partner-licenses.ts"
import type { DocumentFields } from "../../pipeline/batch/schema.ts"
import { fixture, sampleBatches } from "../helpers.ts"

const settings: AcervoSettings = {
  home: "", chunkDocuments: 10, maxDocumentBytes: 1e6, shardMaxBytes: 1e6, langidCandidates: ["spa", "por", "arn", "eng"],
  langidSegments: 6, langMismatchMargin: 0.1, langMismatchAction: "flag", langMismatchMinChars: 200, profiles: ["open", "noncommercial"],
  maxArchiveBytes: 1e9, maxArchiveRatio: 100, maxXmlDepth: 256, qualityThresholds: undefined, sourceDateEpoch: Option.none()
}
const file: FileToRead = {
  fileId: 1, institution: "test", batchId: "b", batchSeq: 1, path: "a.txt", storedPath: "/dev/null",
  sha256: "", bytes: 0, documentId: undefined, fields: {}, doneUnits: 0
}
let n = 0
const doc = (text: string, fields: DocumentFields = {}) =>
  documentFrom(file, { localId: `d${n++}`, line: 0, fields, text, encoding: "utf-8", rawBytes: text.length })
const udhr = (name: string) => readFileSync(join(sampleBatches, "biblioteca-udhr", "textos", name), "latin1" as BufferEncoding)
const udhrUtf8 = (name: string) => readFileSync(join(sampleBatches, "biblioteca-udhr", "textos", name), "utf8")
const portuguese = ["pt-00.txt", "pt-01.txt", "pt-03.txt"].map(udhrUtf8).join("\n\n")
const spanish = ["es-00.txt", "es-01.txt"].map(udhrUtf8).join("\n\n")
const mapudungun = ["arn-00.txt", "arn-01.txt"].map(udhrUtf8).join("\n\n")

describe("langid", () => {
  it("identifies UDHR Spanish, Portuguese and Mapudungun when nothing is declared", () => {
    for (const [text, lang] of [[spanish, "spa"], [portuguese, "por"], [mapudungun, "arn"]] as const) {
      const outcome = reconcileLanguage(doc(text), settings)
      expect(outcome._tag).toBe("Kept")
      expect(outcome.document.language).toMatchObject({ lang, declared: null, detected: lang })
      expect(outcome.document.language!.langs[lang]).toBeGreaterThan(0.6)
      expect(outcome.document.language!.score).toBeGreaterThan(0)
    }
    expect(udhr("es-02.txt")).toContain("Art")
  })

  it("keeps an agreeing declared label without a flag", () => {
    const outcome = reconcileLanguage(doc(portuguese, { language: "por" }), settings)
    expect(outcome).toMatchObject({ _tag: "Kept", document: { flags: [], language: { lang: "por", declared: "por" } } })
  })

  it("flags a confident mismatch and keeps the declared label instead of silently relabelling", () => {
    const outcome = reconcileLanguage(doc(portuguese, { language: "spa" }), settings)
    expect(outcome._tag).toBe("Kept")
    expect(outcome.document.language).toMatchObject({ lang: "spa", declared: "spa", detected: "por" })
    expect(outcome.document.flags).toEqual([expect.objectContaining({ stage: "langid", code: "lang-mismatch" })])
    expect(outcome.document.flags[0]!.detail).toContain("declared spa, detected por")
  })

  it("excludes a confident mismatch when configured to", () => {
    const outcome = reconcileLanguage(doc(portuguese, { language: "spa" }), { ...settings, langMismatchAction: "exclude" })
    expect(outcome).toMatchObject({ _tag: "Excluded", reason: { stage: "langid", code: "lang-mismatch" } })
  })

  it("does not call a short text a confident mismatch", () => {
    const outcome = reconcileLanguage(doc("Nadie será sometido a torturas ni a penas o tratos crueles.", { language: "por" }), settings)
    expect(outcome.document.flags).toEqual([])
  })

  it("keeps a declared language that has no model (Rapa Nui) with no score", async () => {
    const rap = readFileSync(fixture("kieviet-60.txt"), "utf8")
    const [outcome] = await Effect.runPromise(langidStage(settings).process([doc(rap, { language: "rap" })]))
    expect(outcome).toMatchObject({ _tag: "Kept", document: { flags: [], language: { lang: "rap", score: null, declared: "rap" } } })
  })
})

const consent = { basis: "license" as const, reference: "agreement-7", scope: ["pretraining"] }
const now = new Date("2026-11-28T00:00:00Z")

describe("licence expressions", () => {
  it("resolves AND as the most restrictive and OR as the licensee's choice", () => {
    const and = resolveLicense("CC-BY-4.0 AND CC-BY-NC-SA-4.0", defaultRegistry)
    expect(and).toMatchObject({ _tag: "Resolved", license: { use: "non-commercial", shareAlike: true, attribution: true } })
    const or = resolveLicense("CC-BY-NC-4.0 OR CC0-1.0", defaultRegistry)
    expect(or).toMatchObject({ _tag: "Resolved", license: { use: "commercial", attribution: false } })
    expect(resolveLicense("GPL-2.0-or-later WITH Classpath-exception-2.0", defaultRegistry)._tag).toBe("Resolved")
    expect(resolveLicense("LicenseRef-acervo-community-agreement", defaultRegistry)).toMatchObject({ _tag: "Resolved", license: { use: "non-commercial" } })
  })

  it("fails closed on unknown and malformed licences", () => {
    expect(resolveLicense("CC-BY-4.0 AND LicenseRef-nobody-knows", defaultRegistry)).toEqual({ _tag: "Unknown", ids: ["LicenseRef-nobody-knows"] })
    expect(resolveLicense("Creative Commons please", defaultRegistry)._tag).toBe("Invalid")
  })
})

describe("gate", () => {
  const gate = (fields: DocumentFields) => gateDocument(doc("texto", fields), now)

  it("excludes missing, malformed and unknown licences and consent problems, each with its code", () => {
    expect(gate({ consent })).toMatchObject({ _tag: "Excluded", reason: { stage: "gate", code: "license-missing" } })
    expect(gate({ license: "CC BY 4.0", consent })).toMatchObject({ reason: { code: "license-invalid" } })
    expect(gate({ license: "LicenseRef-fondo-privado", consent })).toMatchObject({ reason: { code: "license-unknown" } })
    expect(gate({ license: "CC-BY-4.0" })).toMatchObject({ reason: { code: "consent-missing" } })
    expect(gate({ license: "CC-BY-4.0", consent: { ...consent, scope: ["evaluation"] } })).toMatchObject({ reason: { code: "consent-scope" } })
    expect(gate({ license: "CC-BY-4.0", consent: { ...consent, expires: "2025-01-01" } })).toMatchObject({ reason: { code: "consent-expired" } })
    expect(gate({ license: "CC-BY-4.0", consent, labels: ["TK-XYZ"] })).toMatchObject({ reason: { code: "label-unknown" } })
  })

  it("keeps Secret/Sacred out of every profile and non-commercial material out of open", () => {
    expect(gate({ license: "CC-BY-4.0", consent, labels: ["TK-SS"] })).toMatchObject({ _tag: "Excluded", reason: { code: "label-restricted" } })
    expect(gate({ license: "CC-BY-NC-SA-3.0", consent })).toMatchObject({ _tag: "Kept", document: { gate: { profiles: ["noncommercial", "community"] } } })
    expect(gate({ license: "CC-BY-4.0", consent, labels: ["TK-NC"] })).toMatchObject({ _tag: "Kept", document: { gate: { profiles: ["noncommercial", "community"] } } })
    expect(gate({ license: "CC-BY-4.0", consent, labels: ["TK-CO"] })).toMatchObject({ _tag: "Kept", document: { gate: { profiles: ["community"] } } })
    expect(gate({ license: "CC-BY-4.0", consent })).toMatchObject({ _tag: "Kept", document: { gate: { profiles: ["open", "noncommercial", "community"], attribution: true } } })
    expect(gate({ license: "LicenseRef-acervo-research-only", consent })).toMatchObject({ _tag: "Excluded", reason: { code: "license-use" } })
  })

  it("re-elects the next copy of a text when the copy it was merged into is refused by the gate", () => {
    const first = { ...doc("mismo texto"), dedupKey: "k1" }
    const second = { ...doc("mismo texto", { license: "CC-BY-4.0", consent }), dedupKey: "k1", duplicateOf: first.recordId }
    const third = { ...doc("mismo texto", { license: "CC0-1.0", consent }), dedupKey: "k1", duplicateOf: first.recordId }
    const outcomes = reelectShadowedSurvivors(
      [
        gateDocument(first, now),
        { _tag: "Excluded", document: second, reason: { stage: "dedup", code: "exact-duplicate", detail: "" } },
        { _tag: "Excluded", document: third, reason: { stage: "dedup", code: "exact-duplicate", detail: "" } }
      ],
      (d) => gateDocument(d, now)
    )
    expect(outcomes[0]).toMatchObject({ _tag: "Excluded", reason: { code: "license-missing" } })
    expect(outcomes[1]).toMatchObject({ _tag: "Kept", document: { recordId: second.recordId } })
    expect(outcomes[2]).toMatchObject({ _tag: "Excluded", reason: { code: "exact-duplicate" }, document: { duplicateOf: second.recordId } })
  })
})

describe("trigram scorer", () => {
  it("ranks real segments exactly as francAll restricted to the same candidates", async () => {
    const { francAll } = await import("franc-all")
    const { TrigramScorer } = await import("../../stages/langid/scorer.ts")
    const only = ["spa", "por", "arn", "eng", "glg"]
    const scorer = new TrigramScorer(only, 20)
    const segments = [
      ...readFileSync(join(sampleBatches, "..", "..", "reference", "udhr", "spa.txt"), "utf8").split("\n\n"),
      ...readFileSync(join(sampleBatches, "..", "..", "reference", "udhr", "arn.txt"), "utf8").split("\n\n"),
      ...readFileSync(fixture("kieviet-60.txt"), "utf8").split("\n"),
      ...readFileSync(fixture("avenue", "nmdch-nfbat2.raw-latin1.txt"), "latin1").split("\n"),
      "короткий текст на русском языке для проверки", "短い"
    ]
    expect(segments.length).toBeGreaterThan(300)
    for (const segment of segments) {
      const expected = francAll(segment, { only, minLength: 20 })
      const actual = scorer.rank(segment)
      expect(actual.map(([l]) => l), segment).toEqual(expected.map(([l]) => l))
      actual.forEach(([, score], i) => expect(score).toBeCloseTo(expected[i]![1], 12))
    }
  })
})
