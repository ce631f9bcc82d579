import * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Effect, Layer } from "effect"
import type { PipelineDocument } from "../../domain/document.ts"
import { canonicalJson } from "../../domain/hashing.ts"
import { stages } from "../../stages/index.ts"
import { runPureParts, type PureResult } from "../../stages/pure.ts"
import { recordLines, type LineBatch } from "../../stages/shard/lines.ts"
import { WorkerRequest } from "./protocol.ts"
import { writeParquetShard } from "../../stages/shard/parquet.ts"
import { recordColumns } from "../../stages/index.ts"

const chosen = (names: ReadonlyArray<string>) => stages.filter((s) => names.includes(s.name))

// One prepared set of pure parts per configuration: a run sends the same configuration every time.
let prepared: { key: string; run: (chunk: ReadonlyArray<PipelineDocument>) => PureResult } | undefined

const failure = (e: unknown) => (e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e))

const PureWorker = WorkerRunner.layerSerialized(WorkerRequest, {
  PureChunk: ({ stages: names, configs, documents }) =>
    Effect.try({
      try: () => {
        const key = canonicalJson([names, configs])
        if (prepared?.key !== key) prepared = { key, run: runPureParts(chosen(names), configs) }
        return prepared.run(documents as ReadonlyArray<PipelineDocument>) as unknown
      },
      catch: failure
    }),
  RecordLinesBatch: ({ batch }) => Effect.try({ try: () => recordLines(batch as LineBatch) as unknown, catch: failure }),
  ParquetShard: ({ jsonl, parquet }) => Effect.tryPromise({ try: () => writeParquetShard(jsonl, parquet, recordColumns()), catch: failure })
}).pipe(Layer.provide(NodeWorkerRunner.layer))

NodeRuntime.runMain(WorkerRunner.launch(PureWorker))
