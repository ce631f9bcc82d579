import { Worker } from "@effect/platform"
import { NodeWorker } from "@effect/platform-node"
import { Context, Layer } from "effect"
import { siblingModule, spawnModule } from "./spawn.ts"
import type { IdentifyJsonlBatch } from "../../stages/langid/worker-protocol.ts"

export class IdentifierPool extends Context.Tag("acervo/IdentifierPool")<IdentifierPool, Worker.SerializedWorkerPool<IdentifyJsonlBatch>>() {}

/** `size` worker threads, each with its own scorers, fed batches of texts. */
export const identifierPoolLayer = (size: number) =>
  Worker.makePoolSerializedLayer(IdentifierPool, { size }).pipe(Layer.provide(NodeWorker.layer(() => spawnModule(siblingModule(import.meta.url, "langid-worker")))))
