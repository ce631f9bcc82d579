import { readFileSync } from "node:fs"
const t = readFileSync("corpora/reference/spa/eltec-spa-SPA3026-clarin-pipa.xml", "utf8").replace(/<[^>]+>/g, "").repeat(10)
const time = (name: string, f: () => unknown) => { const t0 = performance.now(); for (let i = 0; i < 5; i++) f(); console.log(name, ((performance.now() - t0) / 5).toFixed(1), "ms") }
const WORD = /[\p{L}\p{M}\p{N}ꞌʻ’'-]+/gu
const SYMBOL = /[^\p{L}\p{M}\p{N}\s.,;:!?¿¡'"«»()\[\]\-–—ꞌʻ’‘“”/…%]/gu
const NON_LETTER = /[^\p{L}\p{M}\s]/gu
console.log(t.length)
time("words", () => t.match(WORD))
time("lower", () => (t.match(WORD) ?? []).map((w) => w.toLowerCase()))
time("symbol", () => t.match(SYMBOL))
time("nonletter", () => t.match(NON_LETTER))
time("digit", () => t.match(/\p{N}/gu))
time("nospace", () => t.replace(/\s+/g, "").length)
time("lines", () => t.split("\n").map((l) => l.trim()).filter((l) => l.length > 0).map(l => l.match(WORD)?.length ?? 0))
time("moji", () => t.match(/Ã[\u0080-\u00BF]|Ã(?=[a-z])|Â[\u0080-\u00BF]|â€|\uFFFD/g))
time("tag", () => t.replace(/<[^<>\s]{1,20}>/g, " "))
