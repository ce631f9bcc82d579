import { describe, expect, it } from "vitest"
import { redact } from "../../stages/pii/detectors.ts"
import { validCnpj, validCpf, validCurp, validCuit, validRut } from "../../stages/pii/identifiers.ts"
import { piiStage } from "../../stages/pii/pii.ts"
import { applyPure } from "../helpers.ts"
import { documentFrom, type FileToRead } from "../../stages/ingest/reader.ts"
import { sha256Hex } from "../../domain/hashing.ts"
import { evaluateQuality } from "../../bench/quality-eval.ts"
import { judge, loadQualityConfig } from "../../stages/quality/quality.ts"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { projectRoot } from "../../domain/project-root.ts"

const file: FileToRead = { fileId: 1, institution: "i", batchId: "b", batchSeq: 1, path: "a.txt", storedPath: "", sha256: "", bytes: 0, documentId: undefined, fields: {}, doneUnits: 0 }

describe("check digits", () => {
  it("accepts valid identifiers and refuses the same numbers with a wrong check digit", () => {
    expect([validRut("12.345.678-5"), validRut("12345678-5"), validRut("11.111.111-1"), validRut("12.345.678-4")]).toEqual([true, true, true, false])
    expect([validCpf("529.982.247-25"), validCpf("52998224725"), validCpf("529.982.247-26"), validCpf("111.111.111-11")]).toEqual([true, true, false, false])
    expect([validCnpj("11.222.333/0001-81"), validCnpj("11.222.333/0001-82")]).toEqual([true, false])
    expect([validCuit("20-12345678-6"), validCuit("30-71234567-1"), validCuit("20-12345678-3")]).toEqual([true, true, false])
    expect([validCurp("HEGG560427MVZRRL04"), validCurp("HEGG560427MVZRRL05"), validCurp("HEGG561327MVZRRL04")]).toEqual([true, false, false])
  })
})

describe("pii redaction", () => {
  it("redacts each identifier of the region when valid and keeps it when its check digit is wrong", () => {
    const cases: Array<[string, string]> = [
      ["RUT 12.345.678-5", "<ID-CL-RUT>"],
      ["CPF 529.982.247-25", "<ID-BR-CPF>"],
      ["CNPJ 11.222.333/0001-81", "<ID-BR-CNPJ>"],
      ["CUIL 20-12345678-6", "<ID-AR-CUIL>"],
      ["CUIT 30-71234567-1", "<ID-AR-CUIT>"],
      ["CURP HEGG560427MVZRRL04", "<ID-MX-CURP>"]
    ]
    for (const [text, placeholder] of cases) {
      const [label, number] = text.split(" ")
      expect(redact(`El ${text} consta en el acta.`).text).toBe(`El ${label} ${placeholder} consta en el acta.`)
      const wrong = number!.slice(0, -1) + String((Number(number!.slice(-1)) + 1) % 10)
      expect(redact(`El ${label} ${wrong} consta en el acta.`).text).toBe(`El ${label} ${wrong} consta en el acta.`)
    }
    expect(redact("Firmó con DNI 12.345.678 en Rosario.").text).toBe("Firmó con DNI <ID-AR-DNI> en Rosario.")
    expect(redact("Firmó con DNI 45678912 en Lima.").text).toBe("Firmó con DNI <ID-PE-DNI> en Lima.")
    expect(redact("Identificado con C.C. 1.020.304.050 de Bogotá.").text).toBe("Identificado con C.C. <ID-CO-CC> de Bogotá.")
    expect(redact("Servidor 192.168.10.20, no 999.1.1.1.").text).toBe("Servidor <IP>, no 999.1.1.1.")
  })

  it("redacts e-mail and phones of every country in running Spanish and Portuguese without damaging the sentence", () => {
    expect(redact("Para más información escriba a maria.perez@uchile.cl o llame al +56 9 8765 4321, de lunes a viernes.").text)
      .toBe("Para más información escriba a <EMAIL> o llame al <PHONE>, de lunes a viernes.")
    expect(redact("Entre em contato pelo e-mail joão.silva@usp.br ou pelo telefone (11) 91234-5678.").text)
      .toBe("Entre em contato pelo e-mail <EMAIL> ou pelo telefone <PHONE>.")
    const phones = ["+55 11 91234-5678", "+54 11 4123-4567", "+52 55 1234 5678", "+51 987 654 321", "+57 310 123 4567", "9 8765 4321", "011 4123-4567", "55 1234 5678", "987 654 321", "310 123 4567"]
    for (const p of phones) expect(redact(`Llamó al ${p} ayer.`).text, p).toBe("Llamó al <PHONE> ayer.")
  })

  it("leaves years, page numbers, amounts, dates and law numbers alone", () => {
    const text = "En 1998, la Ley 19.253 (página 12) benefició a 3.500 personas el 10/12/1948; costó $ 1.250.000 y 45 %."
    expect(redact(text)).toEqual({ text, counts: {} })
  })

  it("replaces the names a partner lists, as whole words, and counts every redaction by type", () => {
    const r = redact("Juan Pérez contó que juan pérez y Juanita viven en Temuco; escriba a jp@correo.cl.", ["Juan Pérez", "Temuco"])
    expect(r.text).toBe("<NAME> contó que <NAME> y Juanita viven en <NAME>; escriba a <EMAIL>.")
    expect(r.counts).toEqual({ NAME: 3, EMAIL: 1 })
  })

  it("stage: passes on only the redacted text, with its hash and the counts", async () => {
    const doc = documentFrom(file, { localId: "a", line: 0, fields: {}, text: "Escriba a ana@ufro.cl.", encoding: "utf-8", rawBytes: 0 })
    const [outcome] = applyPure(piiStage, {}, [doc])
    expect(outcome!.document.text).toBe("Escriba a <EMAIL>.")
    expect(outcome!.document.textSha256).toBe(sha256Hex("Escriba a <EMAIL>."))
    expect(outcome!.document.pii).toEqual({ EMAIL: 1 })
  })
})

describe("quality", () => {
  it("keeps at least 98% of real Mapudungun, Rapa Nui, Spanish and Portuguese and removes at least 95% of planted junk", async () => {
    const results = await evaluateQuality()
    expect(results.map((r) => r.name)).toHaveLength(6)
    for (const r of results) {
      expect(r.documents, r.name).toBeGreaterThan(20)
      expect(r.rate, `${r.name}: ${JSON.stringify(r.reasons)}`).toBeGreaterThanOrEqual(r.expect === "keep" ? 0.98 : 0.95)
    }
    const junk = results.find((r) => r.expect === "remove")!
    for (const reason of ["symbols", "navigation", "repeated-lines", "mojibake", "digits", "markup-or-table"]) expect(junk.reasons[reason], reason).toBeGreaterThan(0)
  })

  it("states the measured value and the language's threshold with each removal", () => {
    const config = loadQualityConfig()
    const doc = { ...documentFrom(file, { localId: "t", line: 0, fields: {}, text: "Año\tTotal\n2019\t1234\t5678\n2020\t2345\t6789\n2021\t3456\t7890", encoding: "", rawBytes: 0 }), language: { lang: "spa", score: null, langs: {}, declared: "spa", detected: "spa" } }
    const outcome = judge(doc, config)
    expect(outcome).toMatchObject({ _tag: "Excluded", reason: { stage: "quality", code: "digits" } })
    if (outcome._tag === "Excluded") expect(outcome.reason.detail).toMatch(/^digit ratio 0\.\d+ > 0\.2 \(thresholds for spa\)$/)
    const ocr = { ...doc, text: "Texto de una página escaneada con bastante claridad en general.", fields: { metadata: { ocr: { mean_word_confidence: 0.31 } } } }
    expect(judge(ocr, config)).toMatchObject({ reason: { code: "ocr-confidence", detail: "mean OCR word confidence 0.31 < 0.5 (thresholds for spa)" } })
  })
})

describe("pii: IPv6", () => {
  it("redacts IPv6 addresses and leaves times and verse numbers alone", () => {
    expect(redact("Acceso desde 2001:db8:85a3:0:0:8a2e:370:7334 y fe80::1ff:fe23:4567:890a a las 10:30:15.").text).toBe("Acceso desde <IP> y <IP> a las 10:30:15.")
  })
})

describe("quality: long documents", () => {
  it("measures a bounded sample made of the start, middle and end of a long document, cut at line ends", async () => {
    const { measurementSample, MEASURE_SAMPLE_CHARS } = await import("../../stages/quality/quality.ts")
    const lines = Array.from({ length: 5000 }, (_, i) => `Línea ${i} del documento largo, con texto corrido.`)
    const sample = measurementSample(lines.join("\n"))
    expect(sample.length).toBeLessThanOrEqual(MEASURE_SAMPLE_CHARS + 2)
    const kept = sample.split("\n")
    expect(kept[0]).toBe(lines[0])
    expect(lines.indexOf(kept.at(-1)!)).toBeGreaterThan(4990)
    expect(kept).toContain(lines[2500])
    for (const l of kept) expect(lines).toContain(l)
    expect(measurementSample("corto")).toBe("corto")
  })
})

describe("quality: repetition bound", () => {
  it("reports the 5-gram share as the 10-gram bound only when it is under the threshold, and computes it otherwise", async () => {
    const { measure } = await import("../../stages/quality/measure.ts")
    const words = Array.from({ length: 400 }, (_, i) => `palabra${i % 97}x${i % 13}`).join(" ")
    const boilerplate = `${words}\n${Array(8).fill("Todos los derechos reservados por el archivo regional de la Araucanía, prohibida su reproducción.").join("\n")}`
    const full = measure(boilerplate)
    const bounded = measure(boilerplate, { repetitionThresholds: { top: {}, duplicate: { "10": 0.01 } } })
    expect(full.duplicateNgramCharFraction[10]).toBeGreaterThan(0.01)
    expect(bounded.duplicateNgramCharFraction[10]).toBe(full.duplicateNgramCharFraction[10])
    const clean = measure(words, { repetitionThresholds: { top: {}, duplicate: { "10": 0.5 } } })
    expect(clean.duplicateNgramCharFraction[10]).toBe(clean.duplicateNgramCharFraction[5])
    expect(measure(words).duplicateNgramCharFraction[10]).toBeLessThanOrEqual(clean.duplicateNgramCharFraction[5]!)
  })
})

describe("quality: top n-gram bound", () => {
  it("skips a 3- or 4-gram pass only when the bound is under the threshold, and still catches a dominant phrase", async () => {
    const { measure } = await import("../../stages/quality/measure.ts")
    const prose = readFileSync(join(projectRoot, "corpora", "reference", "udhr", "spa.txt"), "utf8")
    const exact = measure(prose)
    const bounded = measure(prose, { repetitionThresholds: { top: { "3": 0.18, "4": 0.16 }, duplicate: {} } })
    for (const n of [3, 4]) {
      expect(bounded.topNgramCharFraction[n]).toBeGreaterThanOrEqual(exact.topNgramCharFraction[n]!)
      expect(bounded.topNgramCharFraction[n]).toBeLessThanOrEqual(n === 3 ? 0.18 : 0.16)
    }
    const spam = `${prose.slice(0, 3000)}\n${Array(120).fill("compre ahora oferta").join(" ")}`
    const spamExact = measure(spam)
    const spamBounded = measure(spam, { repetitionThresholds: { top: { "3": 0.18, "4": 0.16 }, duplicate: {} } })
    expect(spamExact.topNgramCharFraction[3]).toBeGreaterThan(0.18)
    expect(spamBounded.topNgramCharFraction[3]).toBe(spamExact.topNgramCharFraction[3])
  })
})
