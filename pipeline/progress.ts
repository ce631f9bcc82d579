import { Context, Effect, Layer } from "effect"

/** Progress of long work: one rewritten line on a terminal, a plain log line every few seconds otherwise. */
export interface ProgressReporter {
  readonly update: (line: () => string) => Effect.Effect<void>
  readonly done: (line: string) => Effect.Effect<void>
}

export class Progress extends Context.Tag("acervo/Progress")<Progress, ProgressReporter>() {
  static readonly stderr = (intervalMs = process.stderr.isTTY ? 200 : 5000) =>
    Layer.sync(Progress, () => {
      const tty = process.stderr.isTTY === true
      let last = 0
      let drawn = false
      return {
        update: (line) =>
          Effect.sync(() => {
            const now = Date.now()
            if (now - last < intervalMs) return
            last = now
            if (tty) {
              process.stderr.write(`\r\u001b[2K${line()}`)
              drawn = true
            } else process.stderr.write(`${new Date(now).toISOString()} ${line()}\n`)
          }),
        done: (line) =>
          Effect.sync(() => {
            if (tty && drawn) process.stderr.write("\r\u001b[2K")
            drawn = false
            process.stderr.write(`${line}\n`)
          })
      }
    })

  static readonly silent = Layer.succeed(Progress, { update: () => Effect.void, done: () => Effect.void })
}
