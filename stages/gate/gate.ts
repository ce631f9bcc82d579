import { Config, Effect } from "effect"
import { resolveLicense } from "../../licenses/expression.ts"
import { lookupLabel } from "../../licenses/labels.ts"
import { defaultRegistry } from "../../licenses/partner-licenses.ts"
import { profileDecisions } from "../../licenses/policy.ts"
import type { LicenseRegistry } from "../../licenses/registry.ts"
import { checkIsoDate } from "../../domain/dates.ts"
import { consentScopes, excluded, kept, type PipelineDocument, type StageOutcome } from "../../domain/document.ts"
import { defineStage } from "../stage.ts"

export const REQUIRED_SCOPE = "pretraining"

/** Licence, consent and label policy. Anything missing or unknown is excluded: fail closed. */
export const gateDocument = (doc: PipelineDocument, now: Date, registry: LicenseRegistry = defaultRegistry): StageOutcome => {
  const f = doc.fields
  if (!f.license) return excluded(doc, "gate", "license-missing", "no licence was declared for this document or in the batch defaults")
  const resolution = resolveLicense(f.license, registry)
  if (resolution._tag === "Invalid") return excluded(doc, "gate", "license-invalid", `"${f.license}" ${resolution.detail}`)
  if (resolution._tag === "Unknown") {
    return excluded(doc, "gate", "license-unknown", `"${f.license}": ${resolution.ids.join(", ")} not in the licence registry; add a LicenseRef- to licenses/partner-licenses.json or use an SPDX id`)
  }
  if (!f.consent) return excluded(doc, "gate", "consent-missing", "no consent record was declared for this document or in the batch defaults")
  const scopes = consentScopes(f.consent)
  if (!scopes.includes(REQUIRED_SCOPE)) {
    return excluded(doc, "gate", "consent-scope", `consent ${f.consent.reference} covers ${scopes.join(", ") || "nothing"}, not ${REQUIRED_SCOPE}`)
  }
  if (f.consent.expires !== undefined) {
    // Submit checks the date; a catalog registered before it did may hold one that names no day.
    const expiry = checkIsoDate(f.consent.expires, "date-or-date-time")
    if (expiry._tag === "Invalid") {
      return excluded(doc, "gate", "consent-expiry-invalid", `consent ${f.consent.reference} has an expiry acervo cannot read (${expiry.problem}), so it is treated as expired; correct consent.expires in batch.json and submit the batch again under a new id`)
    }
    if (expiry.epochMillis <= now.getTime()) {
      return excluded(doc, "gate", "consent-expired", `consent ${f.consent.reference} expired on ${f.consent.expires}`)
    }
  }
  const labels = f.labels ?? []
  const unknownLabels = labels.filter((l) => !lookupLabel(l))
  if (unknownLabels.length > 0) {
    return excluded(doc, "gate", "label-unknown", `unknown Local Contexts label(s) ${unknownLabels.join(", ")}; use codes such as TK-A, TK-NC, BC-R`)
  }
  const license = resolution.license
  const decisions = profileDecisions(license, labels)
  const profiles = decisions.filter((d) => d.admitted).map((d) => d.profile)
  if (profiles.length === 0) {
    const reasons = [...new Set(decisions.map((d) => d.reason ?? ""))]
    const byLabel = reasons.some((r) => r.startsWith("label"))
    return excluded(doc, "gate", byLabel ? "label-restricted" : "license-use", `no release profile admits it: ${reasons.join("; ")}`)
  }
  const attribution = license.attribution || labels.some((l) => lookupLabel(l)?.effect === "attribution")
  return kept({ ...doc, gate: { license: license.expression, licenseUse: license.use, attribution, profiles } })
}

/**
 * Stateful only in where it stands: it judges each document alone, but after dedup, so that a copy
 * refused here gives way to the next copy of its cluster (dedup's settle asks it again).
 */
export const gateStage = defineStage({
  name: "gate",
  config: Config.succeed({}),
  describe: () => `licence registry, consent (scope ${REQUIRED_SCOPE}, expiry) and Local Contexts labels`,
  prepare: (_config, run) =>
    Effect.succeed({ process: (chunk: ReadonlyArray<PipelineDocument>) => Effect.sync(() => chunk.map((doc) => gateDocument(doc, run.startedAt))) })
})
