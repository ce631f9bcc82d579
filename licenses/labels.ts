/**
 * Local Contexts Traditional Knowledge (TK) and Biocultural (BC) labels and notices, by the code a
 * batch uses (`TK-SS`, `BC-R`, …), with the effect each has on a release.
 *  - restricted: out of every release unless a profile explicitly admits the label;
 *  - non-commercial: out of profiles that allow commercial use;
 *  - attribution: named in ATTRIBUTION.md.
 */
export type LabelEffect = "restricted" | "non-commercial" | "attribution" | "informational"

export interface LocalContextsLabel {
  readonly code: string
  readonly name: string
  readonly effect: LabelEffect
}

const label = (code: string, name: string, effect: LabelEffect): LocalContextsLabel => ({ code, name, effect })

export const localContextsLabels: ReadonlyArray<LocalContextsLabel> = [
  label("TK-A", "TK Attribution", "attribution"),
  label("TK-CL", "TK Clan", "restricted"),
  label("TK-F", "TK Family", "restricted"),
  label("TK-MC", "TK Multiple Communities", "attribution"),
  label("TK-CV", "TK Community Voice", "attribution"),
  label("TK-CS", "TK Culturally Sensitive", "restricted"),
  label("TK-SS", "TK Secret / Sacred", "restricted"),
  label("TK-WG", "TK Women General", "informational"),
  label("TK-MG", "TK Men General", "informational"),
  label("TK-WR", "TK Women Restricted", "restricted"),
  label("TK-MR", "TK Men Restricted", "restricted"),
  label("TK-S", "TK Seasonal", "informational"),
  label("TK-O", "TK Outreach", "informational"),
  label("TK-NV", "TK Non-Verified", "restricted"),
  label("TK-V", "TK Verified", "informational"),
  label("TK-NC", "TK Non-Commercial", "non-commercial"),
  label("TK-C", "TK Commercial", "informational"),
  label("TK-CO", "TK Community Use Only", "restricted"),
  label("TK-CR", "TK Creative", "attribution"),
  label("BC-P", "BC Provenance", "attribution"),
  label("BC-MC", "BC Multiple Communities", "attribution"),
  label("BC-CL", "BC Clan", "restricted"),
  label("BC-CV", "BC Consent Verified", "informational"),
  label("BC-CNV", "BC Consent Non-Verified", "restricted"),
  label("BC-R", "BC Research Use", "informational"),
  label("BC-O", "BC Open to Collaboration", "informational"),
  label("BC-CB", "BC Open to Commercialization", "informational"),
  label("BC-NC", "BC Non-Commercial", "non-commercial"),
  label("TK-NOTICE", "TK Notice", "attribution"),
  label("BC-NOTICE", "BC Notice", "attribution"),
  label("ATTRIBUTION-INCOMPLETE", "Attribution Incomplete Notice", "attribution")
]

const byCode = new Map(localContextsLabels.map((l) => [l.code, l]))

export const lookupLabel = (code: string): LocalContextsLabel | undefined => byCode.get(code.trim().toUpperCase())
