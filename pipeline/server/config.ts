import { Config, Context, Effect, Layer } from "effect"
import { integerSetting } from "../../domain/config.ts"

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
  logRequests: Config.boolean("ACERVO_SERVER_LOG").pipe(Config.withDefault(true), Config.withDescription("log one line per request"))
})

export class ServerConfig extends Context.Tag("acervo/ServerConfig")<ServerConfig, ServerSettings>() {
  static readonly layer = (overrides: Partial<ServerSettings> = {}) =>
    Layer.effect(
      ServerConfig,
      Effect.map(serverSettingsConfig, (fromEnv) => ({ ...fromEnv, ...overrides }))
    )
}
