import type { ResolvedLicense } from "./expression.ts"
import { lookupLabel } from "./labels.ts"
import { releaseProfiles, type ReleaseProfile } from "./profiles.ts"

export interface ProfileDecision {
  readonly profile: string
  readonly admitted: boolean
  readonly reason?: string
}

/** Whether one profile admits a document with this licence and these Local Contexts labels. */
export const admits = (profile: ReleaseProfile, license: ResolvedLicense, labels: ReadonlyArray<string>): ProfileDecision => {
  if (!profile.licenseUses.includes(license.use)) {
    return { profile: profile.name, admitted: false, reason: `licence ${license.expression} is ${license.use}` }
  }
  for (const code of labels) {
    const label = lookupLabel(code)
    if (!label) continue
    if (label.effect === "restricted" && !profile.admitsRestrictedLabels.includes(label.code)) {
      return { profile: profile.name, admitted: false, reason: `label ${label.code} (${label.name})` }
    }
    if (label.effect === "non-commercial" && !profile.admitsNonCommercialLabels) {
      return { profile: profile.name, admitted: false, reason: `label ${label.code} (${label.name})` }
    }
  }
  return { profile: profile.name, admitted: true }
}

/** Every known profile's decision for a document. */
export const profileDecisions = (license: ResolvedLicense, labels: ReadonlyArray<string>): ReadonlyArray<ProfileDecision> =>
  releaseProfiles.map((p) => admits(p, license, labels))
