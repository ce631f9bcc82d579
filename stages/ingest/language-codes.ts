// ISO 639-1 (and a few BCP 47 tags partners use) to ISO 639-3, for xml:lang, LANG_REF and locales.
const twoToThree: Record<string, string> = {
  es: "spa", pt: "por", en: "eng", fr: "fra", de: "deu", it: "ita", ca: "cat", gl: "glg", la: "lat",
  he: "heb", ja: "jpn", tr: "tur", nl: "nld", qu: "que", ay: "aym", gn: "grn", mi: "mri", ty: "tah"
}

/** `es`, `pt-PT`, `spa`, `SPA`, `arn` → ISO 639-3, or undefined. */
export const toIso6393 = (tag: string | undefined): string | undefined => {
  if (!tag) return undefined
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? ""
  if (/^[a-z]{3}$/.test(primary)) return primary
  return twoToThree[primary]
}
