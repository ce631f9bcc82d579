import type { LicenseUse } from "./registry.ts"

/** What a release profile admits. A shard holds records of one profile only. */
export interface ReleaseProfile {
  readonly name: string
  readonly description: string
  readonly licenseUses: ReadonlyArray<LicenseUse>
  readonly admitsNonCommercialLabels: boolean
  /** Restricted labels this profile explicitly admits (never Secret/Sacred). */
  readonly admitsRestrictedLabels: ReadonlyArray<string>
}

export const releaseProfiles: ReadonlyArray<ReleaseProfile> = [
  {
    name: "open",
    description: "usable for any purpose, including commercial training, with attribution where required",
    licenseUses: ["commercial"],
    admitsNonCommercialLabels: false,
    admitsRestrictedLabels: []
  },
  {
    name: "noncommercial",
    description: "non-commercial research and training only",
    licenseUses: ["commercial", "non-commercial"],
    admitsNonCommercialLabels: true,
    admitsRestrictedLabels: []
  },
  {
    name: "community",
    description: "for the source communities' own models: admits TK Community Use Only material",
    licenseUses: ["commercial", "non-commercial"],
    admitsNonCommercialLabels: true,
    admitsRestrictedLabels: ["TK-CO"]
  }
]

export const lookupProfile = (name: string): ReleaseProfile | undefined => releaseProfiles.find((p) => p.name === name)
