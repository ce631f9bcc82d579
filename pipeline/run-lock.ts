import { Effect } from "effect"
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs"
import { join } from "node:path"
import { RunLocked } from "./errors.ts"

/** Whether a process with this pid exists (one we may not signal counts). */
export const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * One `acervo run` per catalog at a time (and one `acervo withdraw`, or one background run or
 * withdrawal of `acervo serve`, which take the same lock): a lock file holding the owner's pid, created
 * exclusively. A lock left by a run that was killed (its pid is gone) is taken over, so a crash
 * never blocks the next run. A lock holding this process's own pid counts as left over too: callers
 * within one process take turns themselves (the intake server's background work does).
 */
export const withRunLock = <A, E, R>(home: string, effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.suspend(() => {
      const path = join(home, "run.lock")
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const fd = openSync(path, "wx")
          writeSync(fd, String(process.pid))
          closeSync(fd)
          return Effect.succeed(path)
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") return Effect.die(e)
          const owner = Number(readFileSync(path, "utf8").trim())
          if (Number.isInteger(owner) && owner > 0 && processAlive(owner) && owner !== process.pid) {
            return Effect.fail(
              new RunLocked({
                message: `another acervo run (pid ${owner}) is working on ${home} (\`acervo serve\` takes the same lock for its background runs); wait for it to finish`
              })
            )
          }
          rmSync(path, { force: true })
        }
      }
      return Effect.fail(new RunLocked({ message: `cannot take the run lock ${path}; remove it if no acervo run is active` }))
    }),
    () => effect,
    (path) => Effect.sync(() => rmSync(path, { force: true }))
  )
