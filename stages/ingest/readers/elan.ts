import { spdxFromText, spdxFromUrl } from "../../../licenses/url.ts"
import { toIso6393 } from "../language-codes.ts"
import { documentFrom, pseudonym, rejected, withFileMetadata, wholeFileReader, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"
import { parseXmlFile, XmlRefused } from "../xml.ts"
import { xmlFailure } from "./xml-document.ts"

interface Tier {
  readonly id: string
  readonly type: string
  readonly parent: string | undefined
  readonly participant: string | undefined
  readonly lang: string | undefined
  readonly annotations: Array<Annotation>
}

interface Annotation {
  readonly id: string
  readonly tier: string
  readonly start?: string | undefined
  readonly ref?: string | undefined
  readonly previous?: string | undefined
  value: string
}

const TRANSLATION_TYPE = /trans|übersetz|traduc|tradu/i

/**
 * ELAN `.eaf`: transcription tiers (top-level tiers, or those named by `reader.elan`) become one
 * document with annotations in time order and speakers as stable pseudonyms; translation tiers
 * become documents of their own or are dropped; media paths are never kept. Annotations are held
 * (not the XML), so memory follows the number of annotations, not the file's size.
 */
export const readElan = async (file: FileToRead, limits: ReaderLimits): Promise<Array<IngestItem>> => {
  const options = file.fields.reader?.elan
  const slots = new Map<string, { order: number; ms: number | undefined }>()
  const types = new Map<string, { constraint: string | undefined; alignable: boolean }>()
  const tiers: Array<Tier> = []
  const byId = new Map<string, Annotation>()
  let tier: Tier | undefined
  let annotation: Annotation | undefined
  let inValue = false
  let license = { url: "", text: "" }
  let inLicense = false
  let eafVersion = ""
  let totalChars = 0
  const encoding = await parseXmlFile(
    file.storedPath,
    {
      open: (el) => {
        const a = el.attributes
        switch (el.name) {
          case "ANNOTATION_DOCUMENT":
            eafVersion = a["VERSION"] ?? a["FORMAT"] ?? ""
            break
          case "TIME_SLOT":
            slots.set(a["TIME_SLOT_ID"] ?? "", { order: slots.size, ms: a["TIME_VALUE"] !== undefined ? Number(a["TIME_VALUE"]) : undefined })
            break
          case "LINGUISTIC_TYPE":
            types.set(a["LINGUISTIC_TYPE_ID"] ?? "", { constraint: a["CONSTRAINTS"], alignable: a["TIME_ALIGNABLE"] !== "false" })
            break
          case "TIER":
            tier = {
              id: a["TIER_ID"] ?? `tier-${tiers.length}`,
              type: a["LINGUISTIC_TYPE_REF"] ?? "",
              parent: a["PARENT_REF"],
              participant: a["PARTICIPANT"]?.trim() || undefined,
              lang: toIso6393(a["LANG_REF"]) ?? toIso6393(a["DEFAULT_LOCALE"]),
              annotations: []
            }
            tiers.push(tier)
            break
          case "ALIGNABLE_ANNOTATION":
            annotation = { id: a["ANNOTATION_ID"] ?? "", tier: tier?.id ?? "", start: a["TIME_SLOT_REF1"], value: "" }
            break
          case "REF_ANNOTATION":
            annotation = { id: a["ANNOTATION_ID"] ?? "", tier: tier?.id ?? "", ref: a["ANNOTATION_REF"], previous: a["PREVIOUS_ANNOTATION"], value: "" }
            break
          case "ANNOTATION_VALUE":
            inValue = true
            break
          case "LICENSE":
            inLicense = true
            license = { url: a["LICENSE_URL"] ?? "", text: "" }
            break
        }
      },
      close: (name) => {
        if (name === "ANNOTATION_VALUE") inValue = false
        else if ((name === "ALIGNABLE_ANNOTATION" || name === "REF_ANNOTATION") && annotation && tier) {
          annotation.value = annotation.value.replace(/\s+/g, " ").trim()
          totalChars += annotation.value.length
          if (totalChars > limits.maxDocumentBytes) throw new XmlRefused("xml-invalid", "too-large")
          tier.annotations.push(annotation)
          byId.set(annotation.id, annotation)
          annotation = undefined
        } else if (name === "TIER") tier = undefined
        else if (name === "LICENSE") inLicense = false
      },
      text: (t) => {
        if (inValue && annotation) annotation.value += t
        else if (inLicense) license.text += t
      }
    },
    limits
  )

  // Time of an annotation: its own start slot, or (for reference chains, however deep) its
  // parent's; slots without a value keep their document order.
  const timeOf = (a: Annotation, seen = 0): [number, number] => {
    if (a.start !== undefined) {
      const slot = slots.get(a.start)
      return [slot?.ms ?? Number.MAX_SAFE_INTEGER, slot?.order ?? 0]
    }
    const parent = a.ref ? byId.get(a.ref) : undefined
    return parent && seen < 64 ? timeOf(parent, seen + 1) : [Number.MAX_SAFE_INTEGER, 0]
  }
  const ordered = (list: ReadonlyArray<Annotation>) =>
    list
      .map((a, i) => ({ a, t: timeOf(a), i }))
      .sort((x, y) => x.t[0] - y.t[0] || x.t[1] - y.t[1] || x.i - y.i)
      .map((x) => x.a)

  const isTranslation = (t: Tier) => {
    if (options?.translationTypes) return options.translationTypes.includes(t.type)
    const type = types.get(t.type)
    return t.parent !== undefined && type?.constraint === "Symbolic_Association" && (TRANSLATION_TYPE.test(t.type) || TRANSLATION_TYPE.test(t.id))
  }
  const isTranscription = (t: Tier) => {
    if (options?.transcriptionTiers) return options.transcriptionTiers.includes(t.id)
    if (options?.transcriptionTypes) return options.transcriptionTypes.includes(t.type)
    return t.parent === undefined
  }
  const speaker = (t: Tier) => (t.participant ? pseudonym(file.institution, t.participant) : undefined)
  const lines = (list: ReadonlyArray<Annotation>, tierOf: (a: Annotation) => Tier | undefined) => {
    const multiSpeaker = new Set(list.map((a) => tierOf(a)?.participant).filter(Boolean)).size > 1
    return ordered(list)
      .filter((a) => a.value.length > 0)
      .map((a) => {
        const who = tierOf(a) && speaker(tierOf(a)!)
        return multiSpeaker && who ? `${who}: ${a.value}` : a.value
      })
      .join("\n")
  }
  const tierById = new Map(tiers.map((t) => [t.id, t]))
  const tierOf = (a: Annotation) => tierById.get(a.tier)
  const transcription = tiers.filter((t) => isTranscription(t) && !isTranslation(t))
  const translations = tiers.filter(isTranslation)
  const fileLicense = (license.url && spdxFromUrl(license.url)) || (license.text && spdxFromText(license.text)) || undefined
  const langOf = (list: ReadonlyArray<Tier>) => {
    const langs = [...new Set(list.map((t) => t.lang).filter((l): l is string => l !== undefined))]
    return langs.length === 1 ? langs[0] : undefined
  }
  const metadataOf = (list: ReadonlyArray<Tier>, role: string) => ({
    elan: {
      eaf_version: eafVersion,
      role,
      tiers: list.map((t) => ({ type: t.type, language: t.lang ?? null, speaker: speaker(t) ?? null, annotations: t.annotations.length })),
      license: license.url || license.text.trim() || null
    }
  })
  const baseId = file.documentId ?? file.path
  const out: Array<IngestItem> = []
  const text = lines(transcription.flatMap((t) => t.annotations), tierOf)
  if (text) {
    const doc = documentFrom(file, { localId: baseId, line: 0, fields: file.fields, text, encoding, rawBytes: file.bytes })
    out.push({
      _tag: "Document",
      document: withFileMetadata(doc, { language: langOf(transcription), license: fileLicense, licenseSource: "EAF LICENSE", metadata: metadataOf(transcription, "transcription") })
    })
  } else out.push(rejected(file, { localId: baseId, line: 0 }, "empty-document", "no transcription tier holds any annotation"))
  if ((options?.translations ?? "documents") === "documents") {
    translations.forEach((t, i) => {
      const body = lines(t.annotations, tierOf)
      if (!body) return
      // A translation is in another language than the transcription: never inherit its declared one.
      const { language: _declared, ...fields } = file.fields
      const doc = documentFrom(file, { localId: `${baseId}#translation-${i + 1}`, line: i + 1, fields: t.lang ? { ...fields, language: t.lang } : fields, text: body, encoding, rawBytes: 0 })
      out.push({ _tag: "Document", document: withFileMetadata(doc, { license: fileLicense, licenseSource: "EAF LICENSE", metadata: metadataOf([t], "translation") }) })
    })
  }
  return out
}

export const elanReader: DocumentReader = {
  format: "elan",
  extensions: [".eaf"],
  xml: true,
  read: wholeFileReader(readElan, xmlFailure)
}
