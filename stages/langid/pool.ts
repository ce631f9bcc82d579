import * as Worker from "@effect/platform/Worker"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import { Context, Layer } from "effect"
import { Worker as ThreadWorker } from "node:worker_threads"
import type { IdentifyJsonlBatch } from "./worker-protocol.ts"

export class IdentifierPool extends Context.Tag("acervo/IdentifierPool")<IdentifierPool, Worker.SerializedWorkerPool<IdentifyJsonlBatch>>() {}

/** Built code runs the compiled worker; from sources (tests, tsx) the worker registers tsx first. */
const spawnIdentifier = () => {
  const url = new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url)
  return url.pathname.endsWith(".ts")
    ? new ThreadWorker(`import('tsx/esm/api').then(({ register }) => { register(); import(${JSON.stringify(url.href)}) })`, { eval: true })
    : new ThreadWorker(url)
}

/** `size` worker threads, each with its own scorers, fed batches of texts. */
export const identifierPoolLayer = (size: number) =>
  Worker.makePoolSerializedLayer(IdentifierPool, { size }).pipe(Layer.provide(NodeWorker.layer(spawnIdentifier)))
