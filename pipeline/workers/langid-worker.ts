import * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Layer } from "effect"
import { identifyJsonlLines } from "../../stages/langid/jsonl.ts"
import { IdentifyJsonlBatch } from "../../stages/langid/worker-protocol.ts"

const IdentifierWorker = WorkerRunner.layerSerialized(IdentifyJsonlBatch, {
  IdentifyJsonlBatch: ({ lines, numbers, source, candidates, segments, dominantShare }) =>
    identifyJsonlLines(lines, numbers, source, { candidates, segments, dominantShare })
}).pipe(Layer.provide(NodeWorkerRunner.layer))

NodeRuntime.runMain(WorkerRunner.launch(IdentifierWorker))
