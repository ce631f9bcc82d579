/**
 * The licences partners use, classed by what they allow. Anything not listed here is unknown and
 * fails closed at the gate. Partner-specific `LicenseRef-` entries are added in `partner-licenses.json`.
 */
export type LicenseUse = "commercial" | "non-commercial" | "research-only"

export interface LicenseClass {
  readonly id: string
  readonly use: LicenseUse
  readonly attribution: boolean
  readonly shareAlike: boolean
  readonly derivatives: boolean
  readonly name: string
}

const entry = (
  id: string,
  name: string,
  use: LicenseUse,
  attribution: boolean,
  shareAlike: boolean,
  derivatives = true
): LicenseClass => ({ id, name, use, attribution, shareAlike, derivatives })

const creativeCommons = (version: "3.0" | "4.0"): ReadonlyArray<LicenseClass> => [
  entry(`CC-BY-${version}`, `Creative Commons Attribution ${version}`, "commercial", true, false),
  entry(`CC-BY-SA-${version}`, `Creative Commons Attribution-ShareAlike ${version}`, "commercial", true, true),
  entry(`CC-BY-ND-${version}`, `Creative Commons Attribution-NoDerivatives ${version}`, "commercial", true, false, false),
  entry(`CC-BY-NC-${version}`, `Creative Commons Attribution-NonCommercial ${version}`, "non-commercial", true, false),
  entry(`CC-BY-NC-SA-${version}`, `Creative Commons Attribution-NonCommercial-ShareAlike ${version}`, "non-commercial", true, true),
  entry(`CC-BY-NC-ND-${version}`, `Creative Commons Attribution-NonCommercial-NoDerivatives ${version}`, "non-commercial", true, false, false)
]

export const spdxLicenses: ReadonlyArray<LicenseClass> = [
  entry("CC0-1.0", "Creative Commons Zero 1.0", "commercial", false, false),
  entry("CC-PDM-1.0", "Creative Commons Public Domain Mark 1.0", "commercial", false, false),
  ...creativeCommons("3.0"),
  ...creativeCommons("4.0"),
  entry("ODC-By-1.0", "Open Data Commons Attribution 1.0", "commercial", true, false),
  entry("ODbL-1.0", "Open Data Commons Open Database License 1.0", "commercial", true, true),
  entry("PDDL-1.0", "Open Data Commons Public Domain Dedication 1.0", "commercial", false, false),
  entry("MIT", "MIT License", "commercial", true, false),
  entry("Apache-2.0", "Apache License 2.0", "commercial", true, false),
  entry("BSD-2-Clause", "BSD 2-Clause License", "commercial", true, false),
  entry("BSD-3-Clause", "BSD 3-Clause License", "commercial", true, false),
  entry("GPL-2.0-only", "GNU General Public License v2.0 only", "commercial", true, true),
  entry("GPL-2.0-or-later", "GNU General Public License v2.0 or later", "commercial", true, true),
  entry("GPL-3.0-only", "GNU General Public License v3.0 only", "commercial", true, true),
  entry("GPL-3.0-or-later", "GNU General Public License v3.0 or later", "commercial", true, true),
  entry("LGPL-2.1-only", "GNU Lesser General Public License v2.1 only", "commercial", true, true),
  entry("LGPL-2.1-or-later", "GNU Lesser General Public License v2.1 or later", "commercial", true, true),
  entry("LGPL-3.0-only", "GNU Lesser General Public License v3.0 only", "commercial", true, true),
  entry("LGPL-3.0-or-later", "GNU Lesser General Public License v3.0 or later", "commercial", true, true),
  entry("Unlicense", "The Unlicense", "commercial", false, false)
]

export interface LicenseRegistry {
  readonly lookup: (id: string) => LicenseClass | undefined
}

export const makeRegistry = (extra: ReadonlyArray<LicenseClass> = []): LicenseRegistry => {
  const byId = new Map<string, LicenseClass>()
  for (const l of [...spdxLicenses, ...extra]) byId.set(l.id, l)
  return { lookup: (id) => byId.get(id) }
}
