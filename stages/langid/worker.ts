import { WorkerRunner } from "@effect/platform"
import { NodeRuntime, NodeWorkerRunner } from "@effect/platform-node"
import { Layer } from "effect"
import { identifyJsonlLines } from "./jsonl.ts"
import { IdentifyJsonlBatch } from "./worker-protocol.ts"

const IdentifierWorker = WorkerRunner.layerSerialized(IdentifyJsonlBatch, {
  IdentifyJsonlBatch: ({ lines, numbers, source, candidates, segments, dominantShare }) =>
    identifyJsonlLines(lines, numbers, source, { candidates, segments, dominantShare })
}).pipe(Layer.provide(NodeWorkerRunner.layer))

NodeRuntime.runMain(WorkerRunner.launch(IdentifierWorker))
