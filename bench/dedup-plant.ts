import { loadReferenceTexts } from "./reference-texts.ts"
import { seededRandom } from "./seeded-random.ts"
import { defaultMinHashParams, jaccard, type MinHashParams, shingles } from "../stages/dedup/minhash.ts"

/**
 * A generator of planted duplicates over the real texts in `corpora/reference/` (ELTeC novels,
 * AVENUE transcripts, Kieviet's Rapa Nui sentences, UDHR translations). Originals are new
 * arrangements of real sentences, so that any number of megabytes can be made from two; copies
 * are made from originals the ways copies really differ; decoys are different originals that share
 * only boilerplate. Every planted pair comes with its exact shingle Jaccard similarity.
 */

export type CopyKind = "rewrap" | "ocr-noise" | "header-footer" | "orthography" | "excerpt" | "edition"

export const copyKinds: ReadonlyArray<CopyKind> = ["rewrap", "ocr-noise", "header-footer", "orthography", "excerpt", "edition"]

export interface PlantedDocument {
  readonly id: string
  readonly language: string
  readonly text: string
}

export interface PlantedPair {
  readonly a: string
  readonly b: string
  readonly kind: CopyKind
  readonly jaccard: number
}

type Random = () => number

const segmenter = new Intl.Segmenter("es", { granularity: "sentence" })

const sentencesOf = (paragraphs: ReadonlyArray<string>) =>
  paragraphs.flatMap((p) => [...segmenter.segment(p.replace(/\s+/g, " "))].map((s) => s.segment.trim()).filter((s) => s.length >= 12))

export interface SentencePools {
  readonly [lang: string]: ReadonlyArray<string>
}

export const loadSentencePools = async (): Promise<SentencePools> => {
  const texts = await loadReferenceTexts()
  const turns = (lang: "arn" | "spa") => texts.avenue.flatMap((t) => t[lang])
  return {
    spa: sentencesOf([...texts.eltec.spa, ...texts.udhr.spa, ...turns("spa")]),
    por: sentencesOf([...texts.eltec.por, ...texts.udhr.porBR, ...texts.udhr.porPT]),
    arn: sentencesOf([...turns("arn"), ...texts.udhr.arn]),
    rap: sentencesOf(texts.rap)
  }
}

const LANGUAGES = [["spa", 0.4], ["por", 0.3], ["arn", 0.2], ["rap", 0.1]] as const

const pickLanguage = (next: Random) => {
  let r = next()
  for (const [lang, weight] of LANGUAGES) if ((r -= weight) < 0) return lang
  return "spa"
}

const int = (next: Random, lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))

const wrap = (paragraph: string, width: number) => {
  const lines: Array<string> = []
  let line = ""
  for (const word of paragraph.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines.join("\n")
}

/** Paragraphs of 2–6 real sentences, wrapped at 72 columns, until `chars` characters. */
const original = (next: Random, pool: ReadonlyArray<string>, chars: number): Array<string> => {
  const paragraphs: Array<string> = []
  let length = 0
  while (length < chars) {
    const sentences = Array.from({ length: int(next, 2, 6) }, () => pool[Math.floor(next() * pool.length)]!)
    const p = sentences.join(" ")
    paragraphs.push(p)
    length += p.length + 2
  }
  return paragraphs
}

const render = (paragraphs: ReadonlyArray<string>, width = 72) => paragraphs.map((p) => wrap(p, width)).join("\n\n")

/** What OCR does to letters: look-alike substitutions, lost and doubled characters, broken words. */
const OCR_CONFUSIONS: ReadonlyArray<[string, string]> = [
  ["rn", "m"], ["m", "rn"], ["e", "c"], ["c", "e"], ["l", "1"], ["i", "í"], ["o", "0"], ["a", "á"], ["n", "ñ"], ["u", "ü"], ["h", "b"], ["é", "e"], ["ó", "o"], ["s", "8"]
]

const ocrNoise = (next: Random, text: string, rate: number) => {
  let out = ""
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === "\n" || ch === " " || next() >= rate) {
      out += ch
      continue
    }
    const r = next()
    if (r < 0.5) {
      const swap = OCR_CONFUSIONS.find(([from]) => text.startsWith(from, i) && next() < 0.7)
      out += swap ? swap[1] : ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase()
      if (swap) i += swap[0].length - 1
    } else if (r < 0.7) continue
    else if (r < 0.85) out += ch + ch
    else out += `${ch} `
  }
  return out
}

/** Another typing of the same words: Ragileo for Mapudungun, ' and ng for Rapa Nui, and quotes and dashes for all. */
const retype = (lang: string, text: string) => {
  let t = text.replace(/[«»“”]/g, '"').replace(/—/g, "-")
  if (lang === "arn") {
    t = t
      .replace(/ng/g, "\u0000").replace(/g/g, "q").replace(/\u0000/g, "g")
      .replace(/ch/g, "c").replace(/ll/g, "j").replace(/tr/g, "x").replace(/d/g, "z").replace(/ü/g, "v")
  } else if (lang === "rap") t = t.replace(/ꞌ/g, "'").replace(/ŋ/g, "ng").replace(/[āēīōū]/g, (v) => v.normalize("NFD")[0]!)
  else t = t.replace(/[áéíóú]/g, (v) => v.normalize("NFD")[0]!)
  return t
}

const HEADERS = [
  "Biblioteca Nacional Digital — Colección patrimonial\nDocumento digitalizado. Reproducción autorizada para fines de investigación.",
  "Arquivo Histórico — Acervo digital\nTranscrição conferida pela equipe do projeto. Versão 2.",
  "Archivo de historia oral\nTranscripción revisada por la comunidad. Uso con permiso."
]

/** Licence text and tables of contents: what unrelated documents of one collection share. */
const BOILERPLATE = [
  "Esta obra está bajo una licencia Creative Commons Atribución 4.0 Internacional. Usted es libre de compartir, copiar y redistribuir el material en cualquier medio o formato, y de adaptar, remezclar, transformar y construir a partir del material para cualquier propósito, incluso comercialmente, bajo los siguientes términos: debe dar crédito de manera adecuada, brindar un enlace a la licencia e indicar si se han realizado cambios.",
  "Índice\n1. Presentación\n2. Nota sobre la transcripción\n3. Primera parte: los testimonios\n4. Segunda parte: las cartas\n5. Tercera parte: documentos del archivo\n6. Glosario de términos en mapudungun\n7. Bibliografía\n8. Agradecimientos",
  "Este documento forma parte do acervo digital e é disponibilizado sob licença Creative Commons Atribuição 4.0 Internacional. É permitido copiar e redistribuir o material em qualquer suporte ou formato, bem como remixar, transformar e criar a partir do material para qualquer fim, mesmo que comercial, desde que seja atribuído o devido crédito."
]

export interface PlantOptions {
  readonly megabytes: number
  readonly seed: number
  /** Share of originals that get planted copies. */
  readonly copiedShare: number
  /** Share of originals that are boilerplate decoys. */
  readonly decoyShare: number
  readonly idPrefix: string
  readonly params: MinHashParams
  /** Earlier originals copies may also be made from (an increment copying an indexed corpus). */
  readonly copyFrom?: ReadonlyArray<PlantedDocument>
}

export const defaultPlantOptions: PlantOptions = {
  megabytes: 10,
  seed: 20261128,
  copiedShare: 0.3,
  decoyShare: 0.1,
  idPrefix: "doc",
  params: defaultMinHashParams
}

/** A copy of `text` made one of the ways real copies differ. */
export const plantCopy = (next: Random, lang: string, paragraphs: ReadonlyArray<string>, kind: CopyKind): string => {
  switch (kind) {
    case "rewrap":
      return render(paragraphs, int(next, 40, 110))
    case "ocr-noise":
      return ocrNoise(next, render(paragraphs), 0.02 + next() * 0.03)
    case "header-footer":
      return `${HEADERS[int(next, 0, HEADERS.length - 1)]!}\n\n${render(paragraphs)}\n\nPágina ${int(next, 1, 400)} — copia de consulta`
    case "orthography":
      return retype(lang, render(paragraphs))
    case "excerpt": {
      const drop = Math.max(1, Math.round(paragraphs.length * (0.1 + next() * 0.2)))
      const start = int(next, 0, paragraphs.length - drop)
      return render([...paragraphs.slice(0, start), ...paragraphs.slice(start + drop)])
    }
    case "edition": {
      // A corrected edition: a few sentences changed here and there, lines wrapped anew.
      const changed = paragraphs.map((p) => (next() < 0.08 ? `${p} (N. del E.)` : p))
      return render(changed, int(next, 60, 90))
    }
  }
}

/**
 * Writes documents and their planted pairs through the callbacks, a document at a time, so that
 * any size can be generated in bounded memory.
 */
export const plantCorpus = async (
  options: PlantOptions,
  emit: (doc: PlantedDocument) => void | Promise<void>,
  emitPair: (pair: PlantedPair) => void | Promise<void>,
  pools?: SentencePools
) => {
  const sentencePools = pools ?? (await loadSentencePools())
  const next = seededRandom(options.seed)
  const target = options.megabytes * 1e6
  let bytes = 0
  let n = 0
  const counts = { originals: 0, copies: 0, decoys: 0 }
  const idOf = () => `${options.idPrefix}-${String(n++).padStart(7, "0")}`
  const put = async (doc: PlantedDocument) => {
    bytes += Buffer.byteLength(doc.text)
    await emit(doc)
  }
  const copies = async (id: string, lang: string, paragraphs: ReadonlyArray<string>, text: string) => {
    const howMany = next() < 0.85 ? 1 : 2
    for (let c = 0; c < howMany; c++) {
      const kind = copyKinds[int(next, 0, copyKinds.length - 1)]!
      const copy: PlantedDocument = { id: idOf(), language: lang, text: plantCopy(next, lang, paragraphs, kind) }
      await put(copy)
      counts.copies++
      await emitPair({ a: id, b: copy.id, kind, jaccard: jaccard(shingles(text, options.params), shingles(copy.text, options.params)) })
    }
  }
  while (bytes < target) {
    const lang = pickLanguage(next)
    const pool = sentencePools[lang]!
    const r = next()
    if (options.copyFrom && options.copyFrom.length > 0 && r < options.copiedShare / 2) {
      const source = options.copyFrom[int(next, 0, options.copyFrom.length - 1)]!
      const paragraphs = source.text.split("\n\n").map((p) => p.replace(/\n/g, " "))
      await copies(source.id, source.language, paragraphs, source.text)
      continue
    }
    const paragraphs = original(next, pool, int(next, 2000, 20000))
    if (r > 1 - options.decoyShare) {
      // A group of different documents sharing a licence text or table of contents.
      const boilerplate = BOILERPLATE[int(next, 0, BOILERPLATE.length - 1)]!
      for (let g = int(next, 2, 4); g > 0; g--) {
        const body = original(next, pool, int(next, 3000, 12000))
        await put({ id: idOf(), language: lang, text: `${boilerplate}\n\n${render(body)}\n\n${boilerplate}` })
        counts.decoys++
      }
      continue
    }
    const id = idOf()
    const text = render(paragraphs)
    await put({ id, language: lang, text })
    counts.originals++
    if (r < options.copiedShare) await copies(id, lang, paragraphs, text)
  }
  return { ...counts, documents: n, bytes }
}
