import { Schema } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
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
  JSON.parse(readFileSync(fileURLToPath(new URL("./partner-licenses.json", import.meta.url)), "utf8"))
).licenses

export const defaultRegistry = makeRegistry(partnerLicenses)
