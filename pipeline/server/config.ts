import { Config, Context, Effect, Layer, Option } from "effect"
import { integerSetting, listSetting } from "../../domain/config.ts"

export interface ServerSettings {
  readonly host: string
  readonly port: number
  /** Largest request body of an upload, in bytes; larger ones are refused with 413. */
  readonly maxUploadBytes: number
  /** Uploads received at the same time; more wait for a turn. */
  readonly uploadConcurrency: number
  /** Uploads that may wait for a turn; beyond them the server answers 503 with Retry-After. */
  readonly uploadQueue: number
  /** An upload that sends nothing for this long is refused with 408. */
  readonly uploadIdleSeconds: number
  /** An upload that has not finished after this long is refused with 408. */
  readonly uploadDeadlineSeconds: number
  /** Any other request that takes longer is answered with 503. */
  readonly requestTimeoutSeconds: number
  /** One log line per request on standard output. */
  readonly logRequests: boolean
  /** Uploaded batches are processed in the background; false leaves them to the operator's `acervo run`. */
  readonly process: boolean
  /** The release the server writes after its background runs and after withdrawals; none when absent. */
  readonly release: Option.Option<string>
  /** Folder that holds that release. */
  readonly releaseOut: string
  /** Its profiles, most permissive first; absent: ACERVO_PROFILES. */
  readonly releaseProfiles: Option.Option<ReadonlyArray<string>>
  /** How often the server looks for batches registered by `acervo submit`, and retries a run lock another process holds. */
  readonly pollSeconds: number
  /** After a batch's run fails, the wait before the server tries it again (doubling each time, to an hour at most). */
  readonly retrySeconds: number
}

const positive = (name: string, fallback: number, description: string) => integerSetting(name, fallback, { min: 1 }, description)

export const serverSettingsConfig: Config.Config<ServerSettings> = Config.all({
  host: Config.string("ACERVO_SERVER_HOST").pipe(Config.withDefault("127.0.0.1"), Config.withDescription("address the intake server listens on")),
  port: integerSetting("ACERVO_SERVER_PORT", 8080, { min: 0, max: 65535 }, "port the intake server listens on (0: any free port)"),
  maxUploadBytes: positive("ACERVO_SERVER_MAX_UPLOAD_BYTES", 2 * 1024 * 1024 * 1024, "largest upload accepted, in bytes"),
  uploadConcurrency: positive("ACERVO_SERVER_UPLOAD_CONCURRENCY", 8, "uploads received at the same time"),
  uploadQueue: integerSetting("ACERVO_SERVER_UPLOAD_QUEUE", 64, { min: 0 }, "uploads that may wait for a turn before the server answers 503"),
  uploadIdleSeconds: positive("ACERVO_SERVER_UPLOAD_IDLE_SECONDS", 60, "seconds an upload may send nothing"),
  uploadDeadlineSeconds: positive("ACERVO_SERVER_UPLOAD_DEADLINE_SECONDS", 3600, "seconds an upload may take in all"),
  requestTimeoutSeconds: positive("ACERVO_SERVER_REQUEST_TIMEOUT_SECONDS", 120, "seconds any other request may take"),
  logRequests: Config.boolean("ACERVO_SERVER_LOG").pipe(Config.withDefault(true), Config.withDescription("log one line per request and per background run")),
  process: Config.boolean("ACERVO_SERVER_PROCESS").pipe(Config.withDefault(true), Config.withDescription("process uploaded batches in the background (false: the operator's `acervo run` does)")),
  release: Config.option(Config.string("ACERVO_SERVER_RELEASE").pipe(Config.withDescription("release the server writes after each background run and withdrawal"))),
  releaseOut: Config.string("ACERVO_SERVER_RELEASE_OUT").pipe(Config.withDefault("releases"), Config.withDescription("folder that holds the server's release")),
  releaseProfiles: Config.option(listSetting("ACERVO_SERVER_RELEASE_PROFILES", "", "profiles of the server's release (default: ACERVO_PROFILES)")).pipe(
    Config.map((o) => Option.filter(o, (list) => list.length > 0))
  ),
  pollSeconds: positive("ACERVO_SERVER_POLL_SECONDS", 10, "seconds between looks for batches submitted by `acervo submit`, and between tries of a run lock held elsewhere"),
  retrySeconds: positive("ACERVO_SERVER_RETRY_SECONDS", 60, "seconds before a batch whose run failed is tried again (doubling, to an hour)")
})

export class ServerConfig extends Context.Tag("acervo/ServerConfig")<ServerConfig, ServerSettings>() {
  static readonly layer = (overrides: Partial<ServerSettings> = {}) =>
    Layer.effect(
      ServerConfig,
      Effect.map(serverSettingsConfig, (fromEnv) => ({ ...fromEnv, ...overrides }))
    )
}
