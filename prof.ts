import { readFileSync } from "node:fs"
import { measure } from "./stages/quality/measure.ts"
const t = readFileSync("corpora/reference/spa/eltec-spa-SPA3026-clarin-pipa.xml", "utf8").replace(/<[^>]+>/g, "")
const big = t.repeat(10)
const t0 = performance.now(); for (let i = 0; i < 5; i++) measure(big); const ms = performance.now() - t0
console.log((big.length * 5 / 1e6 / (ms / 1000)).toFixed(1), "MB/s")
