import { Worker as ThreadWorker } from "node:worker_threads"

/**
 * A worker thread for a module beside the caller: the compiled `.js` from dist/, or, running from
 * the sources (tests, tsx), the `.ts` with tsx registered first in the thread.
 */
export const spawnModule = (moduleUrl: URL) =>
  moduleUrl.pathname.endsWith(".ts")
    ? new ThreadWorker(`import('tsx/esm/api').then(({ register }) => { register(); import(${JSON.stringify(moduleUrl.href)}) })`, { eval: true })
    : new ThreadWorker(moduleUrl)

/** `name` (without extension) next to `importMetaUrl`, in the same flavour (.ts or .js) as the caller. */
export const siblingModule = (importMetaUrl: string, name: string) => new URL(`./${name}${importMetaUrl.endsWith(".ts") ? ".ts" : ".js"}`, importMetaUrl)
