import { existsSync, readdirSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Worker as ThreadWorker, type WorkerOptions } from "node:worker_threads"
import { projectRoot } from "../../domain/project-root.ts"

const newestSource = () => {
  let newest = 0
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith(".ts") || entry.name.endsWith(".json")) newest = Math.max(newest, statSync(full).mtimeMs)
    }
  }
  for (const dir of ["domain", "stages", "catalog", "pipeline", "manifests", "licenses"]) if (existsSync(join(projectRoot, dir))) walk(join(projectRoot, dir))
  return newest
}

let distFresh: boolean | undefined
/** dist/ holds a build at least as new as every source, as bin/acervo.mjs decides too. */
const distIsFresh = () => {
  if (distFresh === undefined) {
    const stamp = join(projectRoot, "dist", ".built")
    distFresh = existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource()
  }
  return distFresh
}

/**
 * A worker thread for a module: the compiled `.js` from dist/ when it is fresh, else the `.ts` with
 * tsx registered first in the thread (compiling the stages in every thread costs seconds).
 */
export const spawnModule = (moduleUrl: URL, options: WorkerOptions = {}) => {
  if (!moduleUrl.pathname.endsWith(".ts")) return new ThreadWorker(moduleUrl, options)
  const compiled = join(projectRoot, "dist", relative(projectRoot, fileURLToPath(moduleUrl))).replace(/\.ts$/, ".js")
  if (distIsFresh() && existsSync(compiled)) return new ThreadWorker(pathToFileURL(compiled), options)
  // Resolved here, inside the project (an eval'd worker resolves bare names from the working folder);
  // require gives tsx's CommonJS entry, whose ES module twin sits beside it.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href
  return new ThreadWorker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); import(${JSON.stringify(moduleUrl.href)}) })`, { ...options, eval: true })
}

/** `name` (without extension) next to `importMetaUrl`, in the same flavour (.ts or .js) as the caller. */
export const siblingModule = (importMetaUrl: string, name: string) => new URL(`./${name}${importMetaUrl.endsWith(".ts") ? ".ts" : ".js"}`, importMetaUrl)
