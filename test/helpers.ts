import { Effect, Layer } from "effect"
import { spawn } from "node:child_process"
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, resolve, sep } from "node:path"
import { appLayer } from "../pipeline/cli/layers.ts"
import type { AcervoSettings } from "../pipeline/config.ts"
import { Progress } from "../pipeline/progress.ts"
import type { PipelineDocument, StageOutcome } from "../domain/document.ts"

export const projectRoot = resolve(import.meta.dirname, "..")
export const sampleBatches = join(projectRoot, "corpora", "sample", "batches")
export const sampleBatchNames = ["biblioteca-udhr", "universidad-udhr", "avenue-transcripts", "rapanui-kieviet", "comunidad-restringido"] as const
export const fixture = (...parts: Array<string>) => join(projectRoot, "test", "fixtures", ...parts)

export const tempDir = (prefix = "acervo-test-") => mkdtempSync(join(tmpdir(), prefix))

/** A copy of a sample batch the test may change. */
export const copyBatch = (name: string, into = tempDir()) => {
  const dest = join(into, name)
  cpSync(join(sampleBatches, name), dest, { recursive: true })
  return dest
}

/** The application's own wiring on a temporary home, silent. */
export type AppServices = Layer.Layer.Success<ReturnType<typeof appLayer>>

export const withApp =
  (home: string, overrides: Partial<AcervoSettings> = {}, environment: Record<string, string> = {}) =>
  <A, E, R extends AppServices>(effect: Effect.Effect<A, E, R>) =>
    Effect.provide(effect, appLayer({ home, ...overrides }, Progress.silent, environment))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const cliEnv = (env: Record<string, string>) => {
  const base: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("ACERVO_") && k !== "SOURCE_DATE_EPOCH") base[k] = v
  return { ...base, ...env }
}

/**
 * Runs the real `acervo` command line in a child process. Asynchronous on purpose: a test worker
 * blocked in spawnSync for a minute misses vitest's RPC deadline and fails the whole run.
 */
export const cli = (args: ReadonlyArray<string>, options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, "bin", "acervo.mjs"), ...args], {
      cwd: options.cwd ?? projectRoot,
      env: cliEnv(options.env ?? {}),
      stdio: ["pipe", "pipe", "pipe"]
    })
    const stdout: Array<Buffer> = []
    const stderr: Array<Buffer> = []
    child.stdout.on("data", (b: Buffer) => stdout.push(b))
    child.stderr.on("data", (b: Buffer) => stderr.push(b))
    child.on("error", reject)
    child.on("close", (code) => resolvePromise({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }))
    child.stdin.on("error", () => {})
    child.stdin.end(options.input ?? "")
  })

export const cliAsync = (args: ReadonlyArray<string>, options: { cwd?: string; env?: Record<string, string> } = {}) =>
  spawn(process.execPath, [join(projectRoot, "bin", "acervo.mjs"), ...args], {
    cwd: options.cwd ?? projectRoot,
    env: cliEnv(options.env ?? {}),
    stdio: ["ignore", "pipe", "pipe"]
  })

/** Every file under `dir` with its bytes, by relative path. */
export const filesUnder = (dir: string): Map<string, Buffer> => {
  const out = new Map<string, Buffer>()
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name)
      if (statSync(full).isDirectory()) walk(full)
      else out.set(relative(dir, full).split(sep).join("/"), readFileSync(full))
    }
  }
  walk(dir)
  return out
}

/** A stack trace line, which no user-facing output may contain. */
export const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m

/** A stage's pure part over documents, as a worker runs it. */
export const applyPure = <C>(stage: { readonly pure?: (config: C) => (doc: PipelineDocument) => StageOutcome }, config: C, docs: ReadonlyArray<PipelineDocument>) =>
  docs.map(stage.pure!(config))
