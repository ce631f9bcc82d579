import * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Effect, Layer } from "effect"
import type { PipelineDocument } from "../../domain/document.ts"
import { canonicalJson } from "../../domain/hashing.ts"
import { stages } from "../../stages/index.ts"
import { runPureParts, type PureResult } from "../../stages/pure.ts"
import { PureChunk } from "./protocol.ts"

const chosen = (names: ReadonlyArray<string>) => stages.filter((s) => names.includes(s.name))

// One prepared set of pure parts per configuration: a run sends the same configuration every time.
let prepared: { key: string; run: (chunk: ReadonlyArray<PipelineDocument>) => PureResult } | undefined

const PureWorker = WorkerRunner.layerSerialized(PureChunk, {
  PureChunk: ({ stages: names, configs, documents }) =>
    Effect.try({
      try: () => {
        const key = canonicalJson([names, configs])
        if (prepared?.key !== key) prepared = { key, run: runPureParts(chosen(names), configs) }
        return prepared.run(documents as ReadonlyArray<PipelineDocument>) as unknown
      },
      catch: (e) => (e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e))
    })
}).pipe(Layer.provide(NodeWorkerRunner.layer))

NodeRuntime.runMain(WorkerRunner.launch(PureWorker))
