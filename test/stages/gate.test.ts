import { describe, expect, it } from "vitest"
import { documentFrom, type FileToRead } from "../../stages/ingest/reader.ts"
import { gateDocument } from "../../stages/gate/gate.ts"
import { resolveLicense } from "../../licenses/expression.ts"
import { defaultRegistry } from "../../licenses/partner-licenses.ts"
import type { DocumentFields } from "../../domain/batch-schema.ts"

const file: FileToRead = {
  fileId: 1, institution: "test", batchId: "b", batchSeq: 1, path: "a.txt", storedPath: "/dev/null",
  sha256: "", bytes: 0, documentId: undefined, fields: {}, doneUnits: 0
}
let n = 0
const doc = (text: string, fields: DocumentFields = {}) =>
  documentFrom(file, { localId: `d${n++}`, line: 0, fields, text, encoding: "utf-8", rawBytes: text.length })

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
})

describe("gate on consent expiry", () => {
  const gate = (expires: string) => gateDocument(doc("texto", { license: "CC-BY-4.0", consent: { ...consent, expires } }), now)

  it("treats an expiry it cannot read as expired, and says why", () => {
    for (const expires of ["2030-99-01", "2031-02-29", "2031-12-31T10:00", "someday", ""]) {
      const outcome = gate(expires)
      expect(outcome, expires).toMatchObject({ _tag: "Excluded", reason: { stage: "gate", code: "consent-expiry-invalid" } })
      expect(outcome._tag === "Excluded" && outcome.reason.detail).toContain("treated as expired")
    }
  })

  it("compares a date-time with offset at the instant it names", () => {
    // now is 2026-11-28T00:00Z: 00:30 at +01:00 is 23:30Z the day before, 00:30 at -01:00 is 01:30Z.
    expect(gate("2026-11-28T00:30:00+01:00")).toMatchObject({ _tag: "Excluded", reason: { code: "consent-expired" } })
    expect(gate("2026-11-28T00:30:00-01:00")._tag).toBe("Kept")
    expect(gate("2026-11-28")).toMatchObject({ reason: { code: "consent-expired" } })
    expect(gate("2028-02-29")._tag).toBe("Kept")
  })
})

