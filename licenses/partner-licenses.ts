import { Schema } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { projectRoot } from "../domain/project-root.ts"
import { makeRegistry, type LicenseClass } from "./registry.ts"

const PartnerLicense = Schema.Struct({
  id: Schema.String.pipe(Schema.startsWith("LicenseRef-")),
  name: Schema.String,
  use: Schema.Literal("commercial", "non-commercial", "research-only"),
  attribution: Schema.Boolean,
  shareAlike: Schema.Boolean,
  derivatives: Schema.Boolean
})

const PartnerLicenses = Schema.Struct({ licenses: Schema.Array(PartnerLicense) })

/** Partner `LicenseRef-` licences, defined in `licenses/partner-licenses.json`. */
export const partnerLicenses: ReadonlyArray<LicenseClass> = Schema.decodeUnknownSync(PartnerLicenses)(
  JSON.parse(readFileSync(join(projectRoot, "licenses", "partner-licenses.json"), "utf8"))
).licenses

export const defaultRegistry = makeRegistry(partnerLicenses)
