import { parentPort, workerData } from "node:worker_threads"
import type { PipelineDocument } from "../../domain/document.ts"
import { canonicalJson } from "../../domain/hashing.ts"
import { recordColumns, stages } from "../../stages/index.ts"
import { writeParquetShard } from "../../stages/shard/parquet.ts"
import { runPureParts, type PureResult } from "../../stages/pure.ts"
import type { AnyStage } from "../../stages/stage.ts"
import { recordLines } from "../../stages/shard/lines.ts"
import { PROGRESS_DOCUMENT, PROGRESS_STAGE, PROGRESS_STARTED, type PureWorkerData, type WorkerReply, type WorkerRequest } from "./protocol.ts"

type PureStage = Pick<AnyStage, "name" | "pure">

const { progress: progressBuffer, stagesModule } = workerData as PureWorkerData
const progress = new BigInt64Array(progressBuffer)

const loadStages = async (module: string): Promise<ReadonlyArray<PureStage>> => {
  // A compiled worker asked for stages in TypeScript sources (a test's) needs tsx to import them.
  if (module.endsWith(".ts") && !import.meta.url.endsWith(".ts")) (await import("tsx/esm/api")).register()
  return ((await import(module)) as { stages: ReadonlyArray<PureStage> }).stages
}

const stageList: ReadonlyArray<PureStage> = stagesModule === undefined ? stages : await loadStages(stagesModule)

const named = (names: ReadonlyArray<string>) =>
  names.map((name) => {
    const stage = stageList.find((s) => s.name === name)
    if (!stage) throw new Error(`this worker's stage list has no stage "${name}"`)
    return stage
  })

const onDocument = (stage: number, document: number) => {
  Atomics.store(progress, PROGRESS_STAGE, BigInt(stage))
  Atomics.store(progress, PROGRESS_DOCUMENT, BigInt(document))
  Atomics.store(progress, PROGRESS_STARTED, process.hrtime.bigint())
}

// One prepared set of pure parts per configuration: a run sends the same configuration every time.
let prepared: { key: string; run: (chunk: ReadonlyArray<PipelineDocument>) => PureResult } | undefined

const handle = (request: WorkerRequest): unknown => {
  if (request._tag === "RecordLinesBatch") return recordLines(request.batch)
  if (request._tag === "ParquetShard") return writeParquetShard(request.jsonl, request.parquet, recordColumns())
  const key = canonicalJson([request.stages, request.configs])
  if (prepared?.key !== key) prepared = { key, run: runPureParts(named(request.stages), request.configs, onDocument) }
  return prepared.run(request.documents)
}

const failure = (e: unknown) => (e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e))

parentPort!.on("message", async (request: WorkerRequest) => {
  let reply: WorkerReply
  try {
    reply = { _tag: "Done", value: await handle(request) }
  } catch (e) {
    reply = { _tag: "Failed", message: failure(e) }
  }
  Atomics.store(progress, PROGRESS_STARTED, 0n)
  parentPort!.postMessage(reply)
})
