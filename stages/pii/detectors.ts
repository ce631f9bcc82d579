import { validCnpj, validCpf, validCurp, validCuit, validRut } from "./identifiers.ts"

/** One kind of personal data: where it is in text, and whether a match really is one. */
export interface Detector {
  readonly placeholder: string
  readonly pattern: RegExp
  /** Which capture group holds the identifier itself (0: the whole match). */
  readonly group?: number
  readonly valid?: (match: string) => boolean
  /** The placeholder for a given match, where one pattern covers several types. */
  readonly placeholderOf?: (match: string) => string
  /** A cheap test a text must pass before the pattern is worth running on it. */
  readonly hint?: (text: string) => boolean
}

const has = (needle: string) => (text: string) => text.includes(needle)

const B = "(?<![\\p{L}\\p{N}])"
const E = "(?![\\p{L}\\p{N}])"
const re = (source: string) => new RegExp(source, "gu")

// Order matters: identifiers with check digits first, so their digits are not taken for phones.
export const detectors: ReadonlyArray<Detector> = [
  { placeholder: "<EMAIL>", pattern: re(`${B}[\\p{L}\\p{N}._%+-]+@[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)*\\.\\p{L}{2,}${E}`), hint: has("@") },
  { placeholder: "<ID-MX-CURP>", pattern: re(`${B}[A-Z][AEIOUX][A-Z]{2}\\d{6}[HMX][A-Z]{5}[A-Z\\d]\\d${E}`), valid: validCurp, hint: (t) => /[A-Z]{4}\d/.test(t) },
  { placeholder: "<ID-BR-CNPJ>", pattern: re(`${B}\\d{2}\\.?\\d{3}\\.?\\d{3}/?\\d{4}-?\\d{2}${E}`), valid: validCnpj, hint: (t) => /\d\/\d|\d{14}/.test(t) },
  { placeholder: "<ID-BR-CPF>", pattern: re(`${B}\\d{3}\\.\\d{3}\\.\\d{3}-\\d{2}${E}|${B}\\d{11}${E}`), valid: validCpf, hint: (t) => /\d{3}\.\d{3}|\d{11}/.test(t) },
  // CUIL (people: 20, 23, 24, 27) and CUIT (companies: 30, 33, 34) share one format and check digit.
  { placeholder: "<ID-AR-CUIL>", placeholderOf: (m) => (/^(?:30|33|34)/.test(m) ? "<ID-AR-CUIT>" : "<ID-AR-CUIL>"), pattern: re(`${B}(?:20|23|24|27|30|33|34)-?\\d{8}-?\\d${E}`), valid: validCuit, hint: (t) => /\d{8}/.test(t.replace(/-/g, "")) },
  { placeholder: "<ID-CL-RUT>", pattern: re(`${B}\\d{1,2}\\.?\\d{3}\\.?\\d{3}-[\\dkK]${E}`), valid: validRut, hint: has("-") },
  // Identifiers without a check digit are only taken where the text names them.
  { placeholder: "<ID-AR-DNI>", pattern: re(`${B}DNI\\s*(?:N[°º.]?\\s*)?:?\\s*(\\d{1,2}\\.\\d{3}\\.\\d{3}|\\d{7})${E}`), group: 1, hint: has("DNI") },
  { placeholder: "<ID-PE-DNI>", pattern: re(`${B}DNI\\s*(?:N[°º.]?\\s*)?:?\\s*(\\d{8})${E}`), group: 1, hint: has("DNI") },
  { placeholder: "<ID-CO-CC>", pattern: re(`${B}(?:C\\.\\s?C\\.|CC|[Cc]édula(?: de ciudadanía)?(?: (?:No\\.?|N[°º]|número))?)\\s*:?\\s*(\\d{1,3}(?:\\.\\d{3}){1,3}|\\d{6,10})${E}`), group: 1, hint: (t) => /C\.?\s?C|[Cc]édula/.test(t) },
  { placeholder: "<IP>", pattern: re(`${B}(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)${E}`), hint: (t) => /\d\.\d{1,3}\.\d/.test(t) },
  { placeholder: "<IP>", pattern: re(`${B}(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}${E}|${B}(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}:){0,5}[0-9a-fA-F]{1,4}${E}`), hint: has(":") },
  // Phones: international (+56, +55, +54, +52, +51, +57) or the national forms of each country,
  // always with the separators people write, so that years, amounts and page numbers stay.
  // The phone forms of the region in one expression: one scan of each window instead of six.
  { placeholder: "<PHONE>", pattern: re(`(?:\\+(?:56|55|54|52|51|57)[\\s.-]?(?:\\(?\\d{1,3}\\)?[\\s.-]?)?\\d{3,5}[\\s.-]?\\d{3,4}${E})|(?:${B}\\(0?\\d{2,3}\\)\\s?\\d{4,5}[\\s-]?\\d{4}${E})|(?:${B}9[\\s.]\\d{4}[\\s.]\\d{4}${E})|(?:${B}\\d{2}\\s9\\d{4}-\\d{4}${E})|(?:${B}0?11[\\s-]?(?:15[\\s-]?)?\\d{4}-\\d{4}${E})|(?:${B}(?:9\\d{2}[\\s.]\\d{3}[\\s.]\\d{3}|3\\d{2}[\\s.]\\d{3}[\\s.]\\d{4}|55[\\s.]\\d{4}[\\s.]\\d{4})${E})`) }
]

export interface Redaction {
  readonly text: string
  readonly counts: Record<string, number>
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Replaces every valid match of every detector in `text`, counting by type. */
const redactAll = (text: string, counts: Record<string, number>): string => {
  let out = text
  for (const d of detectors) {
    if (d.hint && !d.hint(text)) continue
    d.pattern.lastIndex = 0
    out = out.replace(d.pattern, (match: string, ...groups: Array<unknown>) => {
      const target = d.group ? (groups[d.group - 1] as string | undefined) : match
      if (target === undefined) return match
      if (d.valid && !d.valid(target)) return match
      const placeholder = d.placeholderOf ? d.placeholderOf(target) : d.placeholder
      const type = placeholder.slice(1, -1)
      counts[type] = (counts[type] ?? 0) + 1
      return d.group ? match.replace(target, placeholder) : placeholder
    })
  }
  return out
}

// Every detector needs an @ or a run of digits with separators; text without one of those is left
// untouched without running the detectors at all.
// A CURP's six birth-date digits and an IPv4 address are digit runs too, so one alternative covers them.
const CANDIDATE = /@|[+(]?\d[\d\s.\-/()]{4,}[\dkK]/g
// IPv6 candidates cost three times the rest to look for, so only texts where some colon has a
// hexadecimal digit on both sides and another colon close by are searched for them.
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
const mayHoldIpv6 = (text: string): boolean => {
  for (let at = text.indexOf(":"); at >= 0; at = text.indexOf(":", at + 1)) {
    const next = text.indexOf(":", at + 1)
    if (next < 0) return false
    if (next - at <= 5 && isHex(text.charCodeAt(at - 1)) && (next === at + 1 || isHex(text.charCodeAt(at + 1)))) return true
  }
  return false
}
const IPV6_CANDIDATE = /[0-9a-fA-F]{1,4}:[0-9a-fA-F:]{2,}/g
const WINDOW = 48

/**
 * Replaces every valid match with its typed placeholder and counts them by type. Names a partner
 * asked to redact (`redact`) are replaced as whole words, case-insensitively, as `<NAME>`.
 * Detectors run only on windows around candidates, widened to white space so that no match is cut.
 */
export const redact = (input: string, names: ReadonlyArray<string> = []): Redaction => {
  const counts: Record<string, number> = {}
  let text = input
  const wanted = names.map((n) => n.trim()).filter((n) => n.length > 1)
  if (wanted.length > 0) {
    const pattern = new RegExp(`${B}(?:${wanted.sort((a, b) => b.length - a.length).map(escapeRegExp).join("|")})${E}`, "giu")
    text = text.replace(pattern, () => {
      counts["NAME"] = (counts["NAME"] ?? 0) + 1
      return "<NAME>"
    })
  }
  const spans: Array<[number, number]> = []
  const collect = (re: RegExp) => {
    re.lastIndex = 0
    for (let m = re.exec(text); m !== null; m = re.exec(text)) spans.push([m.index, m.index + m[0].length])
  }
  collect(CANDIDATE)
  if (mayHoldIpv6(text)) {
    collect(IPV6_CANDIDATE)
    spans.sort((a, b) => a[0] - b[0])
  }
  const windows: Array<[number, number]> = []
  for (const [from, to] of spans) {
    let start = Math.max(0, from - WINDOW)
    let end = Math.min(text.length, to + WINDOW)
    while (start > 0 && !/\s/.test(text[start - 1]!)) start--
    while (end < text.length && !/\s/.test(text[end]!)) end++
    const last = windows[windows.length - 1]
    if (last && start <= last[1]) last[1] = Math.max(last[1], end)
    else windows.push([start, end])
  }
  if (windows.length === 0) return { text, counts }
  let out = ""
  let at = 0
  for (const [start, end] of windows) {
    out += text.slice(at, start) + redactAll(text.slice(start, end), counts)
    at = end
  }
  return { text: out + text.slice(at), counts }
}
