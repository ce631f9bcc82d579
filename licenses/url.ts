/** The SPDX id of a licence named by URL (Creative Commons, as TEI `licence@target` and EAF use). */
export const spdxFromUrl = (url: string): string | undefined => {
  const u = url.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/+$/, "")
  const cc = /^(?:www\.)?creativecommons\.org\/licenses\/(by(?:-nc)?(?:-sa|-nd)?)\/(\d\.\d)/.exec(u)
  if (cc) return `CC-${cc[1]!.toUpperCase()}-${cc[2]}`
  if (/^(?:www\.)?creativecommons\.org\/publicdomain\/zero\/1\.0/.test(u)) return "CC0-1.0"
  if (/^(?:www\.)?creativecommons\.org\/publicdomain\/mark\/1\.0/.test(u)) return "CC-PDM-1.0"
  if (/opensource\.org\/licenses\/mit/.test(u)) return "MIT"
  if (/apache\.org\/licenses\/license-2\.0/.test(u)) return "Apache-2.0"
  return undefined
}

/** A licence named in prose: "CC-BY-NC-ND 4.0", "CC BY 4.0", "Creative Commons … (CC-BY-NC-ND 4.0)". */
export const spdxFromText = (text: string): string | undefined => {
  const m = /\bCC[- ]?(BY(?:[- ]NC)?(?:[- ](?:SA|ND))?)[- ]?(\d\.\d)\b/i.exec(text)
  if (m) return `CC-${m[1]!.toUpperCase().replace(/ /g, "-")}-${m[2]}`
  if (/\bCC0\b/i.test(text)) return "CC0-1.0"
  return spdxFromUrl(/https?:\/\/\S+/.exec(text)?.[0] ?? "")
}
