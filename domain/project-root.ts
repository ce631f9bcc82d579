import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The folder holding acervo's package.json, whether running from the sources or from dist/. */
export const projectRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, "package.json")
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, "utf8")) as { name?: string }).name === "acervo") return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error("acervo's package.json was not found above its modules")
    dir = parent
  }
})()
