import { Effect } from "effect"
import iconv from "iconv-lite"
import { langidConfig, type LangidConfig } from "../stages/langid/config.ts"
import type { DocumentFields } from "../domain/batch-schema.ts"
import { loadReferenceTexts } from "./reference-texts.ts"
import { seededRandom } from "./seeded-random.ts"
import { documentFrom, type FileToRead } from "../stages/ingest/reader.ts"
import { reconcileLanguage } from "../stages/langid/langid.ts"
import { normalizeText } from "../stages/normalize/normalize.ts"
import type { PipelineDocument } from "../domain/document.ts"
import { judge, qualityConfig, type QualityConfig } from "../stages/quality/quality.ts"
import { table } from "../pipeline/table.ts"

export interface EvalDocument {
  readonly text: string
  readonly fields: DocumentFields
}

export interface EvalSet {
  readonly name: string
  readonly expect: "keep" | "remove"
  readonly documents: ReadonlyArray<EvalDocument>
}

export interface EvalResult {
  readonly name: string
  readonly expect: "keep" | "remove"
  readonly documents: number
  readonly kept: number
  readonly removed: number
  /** Share of documents that went where they should: kept for real text, removed for junk. */
  readonly rate: number
  readonly reasons: Record<string, number>
}

/** Blocks of about `size` characters built from whole paragraphs. */
const chunks = (paragraphs: ReadonlyArray<string>, size: number): Array<string> => {
  const out: Array<string> = []
  let current: Array<string> = []
  let length = 0
  for (const p of paragraphs) {
    current.push(p)
    length += p.length
    if (length >= size) {
      out.push(current.join("\n\n"))
      current = []
      length = 0
    }
  }
  if (current.length) out.push(current.join("\n\n"))
  return out
}

/** UDHR blocks grouped into articles: a short heading joins the paragraphs under it. */
const udhrArticles = (blocks: ReadonlyArray<string>): Array<string> => {
  const articles: Array<string> = []
  for (const b of blocks.slice(1)) {
    if (b.split(/\s+/).length <= 4 && articles.length > 0 && !/[.;:]$/.test(b)) articles.push(b)
    else if (articles.length > 0 && articles[articles.length - 1]!.split(/\s+/).length <= 4) articles[articles.length - 1] += `\n\n${b}`
    else articles.push(b)
  }
  return articles
}

const MENU_ES = ["Inicio", "Noticias", "Quiénes somos", "Contacto", "Servicios", "Transparencia", "Iniciar sesión", "Buscar", "Mapa del sitio", "English", "Facebook", "Twitter", "Instagram", "Política de privacidad", "Trámites", "Agenda", "Publicaciones", "Prensa", "Galería", "Preguntas frecuentes", "Licitaciones", "Directorio"]
const MENU_PT = ["Início", "Notícias", "Quem somos", "Contato", "Serviços", "Transparência", "Entrar", "Buscar", "Mapa do site", "Español", "Facebook", "Instagram", "Política de privacidade", "Agenda", "Publicações", "Imprensa", "Galeria", "Perguntas frequentes", "Licitações", "Ouvidoria"]
const BOILERPLATE = [
  "Todos los derechos reservados. Prohibida su reproducción total o parcial sin autorización escrita del titular.",
  "Este sitio utiliza cookies para mejorar su experiencia. Al continuar navegando acepta nuestra política de cookies.",
  "Todos os direitos reservados. É proibida a reprodução total ou parcial sem autorização prévia por escrito.",
  "Suscríbase a nuestro boletín y reciba las últimas noticias directamente en su correo electrónico."
]

/** Planted junk made from real text: OCR garbage, menus, boilerplate, number tables, mojibake. */
export const plantedJunk = (spanish: ReadonlyArray<string>, portuguese: ReadonlyArray<string>, perKind = 40): Array<EvalDocument & { kind: string }> => {
  const next = seededRandom(8)
  const pick = <A>(xs: ReadonlyArray<A>) => xs[Math.floor(next() * xs.length)]!
  const noise = "|!l1I;:.,'`~^_-=+*#%&/\\<>[]{}()0O"
  const out: Array<EvalDocument & { kind: string }> = []
  for (let i = 0; i < perKind; i++) {
    const lang = i % 2 === 0 ? "spa" : "por"
    const accented = (lang === "spa" ? spanish : portuguese).filter((t) => (t.match(/[áéíóúãõçñ]/g)?.length ?? 0) >= 3)
    const source = pick(accented)
    const rate = 0.3 + next() * 0.3
    const garbage = [...source].map((c) => (c !== "\n" && next() < rate ? noise[Math.floor(next() * noise.length)]! : c)).join("")
    out.push({ kind: "ocr-garbage", text: garbage, fields: { language: lang } })

    const items = lang === "spa" ? MENU_ES : MENU_PT
    const menu = Array.from({ length: 8 + Math.floor(next() * 16) }, () => pick(items))
    out.push({ kind: "navigation-menu", text: i % 4 < 2 ? menu.join("\n") : chunks(menu, 60).map((l) => l.replace(/\n\n/g, " | ")).join("\n"), fields: { language: lang } })

    const boiler = pick(BOILERPLATE)
    out.push({ kind: "repeated-boilerplate", text: [pick(spanish).slice(0, 200), ...Array(6 + Math.floor(next() * 10)).fill(boiler)].join("\n"), fields: { language: lang } })

    const rows = Array.from({ length: 8 + Math.floor(next() * 25) }, () =>
      Array.from({ length: 4 + Math.floor(next() * 4) }, (_, k) => (k === 0 ? String(1990 + Math.floor(next() * 35)) : (next() * 10_000).toFixed(next() < 0.5 ? 0 : 2))).join(i % 3 === 0 ? " | " : "\t")
    )
    out.push({ kind: "number-table", text: [lang === "spa" ? "Año\tTotal\tRegión\tVariación" : "Ano\tTotal\tRegião\tVariação", ...rows].join("\n"), fields: { language: lang } })

    const twice = iconv.decode(Buffer.from(iconv.decode(Buffer.from(source, "utf8"), "win1252"), "utf8"), "win1252")
    out.push({ kind: "mojibake", text: next() < 0.5 ? twice : source.replace(/[áéíóúãõçñ]/g, "\uFFFD"), fields: { language: lang } })
  }
  return out
}

/** The evaluation sets: real text that must stay, and planted junk that must go. */
export const buildEvalSets = async (): Promise<ReadonlyArray<EvalSet>> => {
  const texts = await loadReferenceTexts()
  const turns = (lang: "arn" | "spa") => texts.avenue.map((t) => ({ text: t[lang].join("\n"), fields: { language: lang } })).filter((d) => d.text.length > 0)
  const spanish = [...udhrArticles(texts.udhr.spa), ...chunks(texts.eltec.spa, 1500)]
  const portuguese = [...udhrArticles(texts.udhr.porBR), ...udhrArticles(texts.udhr.porPT), ...chunks(texts.eltec.por, 1500)]
  return [
    { name: "AVENUE Mapudungun (M: turns, one document per transcript)", expect: "keep", documents: turns("arn") },
    { name: "AVENUE transcripts as delivered (whole file)", expect: "keep", documents: texts.avenue.map((t) => ({ text: t.raw, fields: { language: "arn" } })) },
    { name: "Rapa Nui sentences (one document each)", expect: "keep", documents: texts.rap.map((text) => ({ text, fields: { language: "rap" } })) },
    { name: "Spanish: UDHR articles, Pipá, AVENUE C: turns", expect: "keep", documents: [...spanish.map((text) => ({ text, fields: { language: "spa" } })), ...turns("spa")] },
    { name: "Portuguese: UDHR articles, Innocente", expect: "keep", documents: portuguese.map((text) => ({ text, fields: { language: "por" } })) },
    { name: "planted junk (OCR garbage, menus, boilerplate, number tables, mojibake)", expect: "remove", documents: plantedJunk(spanish, portuguese) }
  ]
}

/** Runs each set through normalize, langid and quality, as the pipeline does, and counts outcomes. */
export const evaluateQuality = async (settings: LangidConfig = Effect.runSync(langidConfig), config: QualityConfig = Effect.runSync(qualityConfig)): Promise<ReadonlyArray<EvalResult>> => {
  const file: FileToRead = { fileId: 0, institution: "eval", batchId: "eval", batchSeq: 0, path: "eval", storedPath: "", sha256: "", bytes: 0, documentId: undefined, fields: {}, doneUnits: 0 }
  const sets = await buildEvalSets()
  return sets.map((set) => {
    const reasons: Record<string, number> = {}
    let kept = 0
    set.documents.forEach((d, i) => {
      const raw: PipelineDocument = documentFrom(file, { localId: `${set.name}#${i}`, line: i, fields: d.fields, text: d.text, encoding: "utf-8", rawBytes: d.text.length })
      const normalized = { ...raw, text: normalizeText(raw.text).text }
      const identified = reconcileLanguage(normalized, settings)
      const outcome = judge(identified.document, config)
      if (outcome._tag === "Kept") kept++
      else reasons[outcome.reason.code] = (reasons[outcome.reason.code] ?? 0) + 1
    })
    const removed = set.documents.length - kept
    return { name: set.name, expect: set.expect, documents: set.documents.length, kept, removed, rate: (set.expect === "keep" ? kept : removed) / set.documents.length, reasons }
  })
}

/** Results as `acervo quality eval` prints them. */
export const renderQualityEvaluation = (results: ReadonlyArray<EvalResult>): string =>
  table(
    ["set", "documents", "kept", "removed", "as expected", "removed because"],
    results.map((r) => [r.name, r.documents, r.kept, r.removed, `${(r.rate * 100).toFixed(1)}% ${r.expect === "keep" ? "kept" : "removed"}`, Object.entries(r.reasons).map(([k, v]) => `${k} ${v}`).join(", ")])
  )
