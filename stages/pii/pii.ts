import { Config } from "effect"
import { sha256Hex } from "../../domain/hashing.ts"
import { kept, type PipelineDocument } from "../../domain/document.ts"
import { defineStage } from "../stage.ts"
import { redact } from "./detectors.ts"

const redactOne = (doc: PipelineDocument): PipelineDocument => {
  const { text, counts } = redact(doc.text, doc.fields.redact ?? [])
  if (Object.keys(counts).length === 0) return doc
  return { ...doc, text, textSha256: sha256Hex(text), pii: counts }
}

/**
 * E-mail addresses, phone numbers and the national identifiers of the region (with their check
 * digits), IP addresses and the names a partner lists in `redact`, replaced by typed placeholders.
 * Only the redacted text goes on; the count per type stays with the record.
 */
export const piiStage = defineStage({
  name: "pii",
  config: Config.succeed({}),
  describe: () => "e-mail, phones (+56 +55 +54 +52 +51 +57), CL RUT, BR CPF/CNPJ, AR DNI/CUIL/CUIT, MX CURP, PE DNI, CO CC, IP, partner names",
  pure: () => (doc) => kept(redactOne(doc))
})
