import { Effect, Exit } from "effect"
import { randomBytes } from "node:crypto"
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { processAlive } from "../run-lock.ts"

/**
 * The batch store, `<home>/batches/<sha256>/`, and how a batch gets there without ever being
 * half there. A submit copies the batch into `.incoming-<pid>-<random>` (a name no one else
 * uses), makes it read-only, and renames it to its content hash inside the catalog transaction
 * that registers it, after the rows are written and before the commit: the rows' write lock
 * keeps every other submit out meanwhile. Whatever fails, the copy and the stored folder go
 * again. A process killed:
 * - while copying leaves an `.incoming-<pid>-…` folder, removed by the next submit or run once
 *   that pid is gone;
 * - between the rename and the commit leaves `<sha256>/` with no catalog row: the next submit
 *   of the same content, holding the write lock, sees it is nobody's and puts its own copy in
 *   its place.
 *
 * Staging folders of archives (`<home>/staging/<pid>-<random>`) are cleaned the same way.
 */

const INCOMING = /^\.incoming-(\d+)-[0-9a-f]+$/
const STAGING = /^(\d+)-[0-9a-f]+$/

export const storeDir = (home: string) => join(home, "batches")

/** A name for a folder this process alone writes: `<prefix><pid>-<random>`. */
export const privateName = (prefix = "") => `${prefix}${process.pid}-${randomBytes(6).toString("hex")}`

/** Removes a folder the store made read-only (files 0444, folders 0555), which rm alone cannot as a plain user. */
export const removeTree = (dir: string) => {
  if (!existsSync(dir)) return
  const writable = (d: string) => {
    chmodSync(d, 0o755)
    for (const name of readdirSync(d)) {
      const full = join(d, name)
      if (lstatSync(full).isDirectory()) writable(full)
    }
  }
  try {
    if (lstatSync(dir).isDirectory()) writable(dir)
  } catch {
    // Removed meanwhile, or not ours to change: rm says which.
  }
  rmSync(dir, { recursive: true, force: true })
}

const makeReadOnly = (dir: string) => {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) makeReadOnly(full)
    else chmodSync(full, 0o444)
  }
  chmodSync(dir, 0o555)
}

/** Removes what killed submits left in the store and in staging: folders whose process is gone. */
export const cleanAbandonedIntake = (home: string) =>
  Effect.sync(() => {
    const sweep = (dir: string, pattern: RegExp, legacy: RegExp) => {
      if (!existsSync(dir)) return
      for (const name of readdirSync(dir)) {
        const pid = pattern.exec(name)?.[1]
        const abandoned = pid !== undefined ? Number(pid) !== process.pid && !processAlive(Number(pid)) : legacy.test(name)
        if (abandoned) removeTree(join(dir, name))
      }
    }
    // Legacy names (no pid) come from versions that removed their own on every failure but a kill.
    sweep(storeDir(home), INCOMING, /^\.incoming-[0-9a-f]+$/)
    sweep(join(home, "staging"), STAGING, /^[0-9a-f]{16}$/)
  })

/**
 * Copies `files` of the batch at `root` into the store and registers it with `register`, which
 * must run `publish` inside its transaction after writing the rows: `publish` puts the copy under
 * its content hash. Either both happen or neither leaves a trace.
 */
export const storeAndRegister = <A, E, R>(
  root: string,
  home: string,
  sha: string,
  files: ReadonlyArray<{ readonly path: string }>,
  register: (storedPath: string, publish: Effect.Effect<void>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  const store = storeDir(home)
  const final = join(store, sha)
  let published: { readonly ino: number; readonly dev: number } | undefined
  const copy = Effect.sync(() => {
    mkdirSync(store, { recursive: true })
    const incoming = join(store, privateName(".incoming-"))
    try {
      for (const f of files) {
        const target = join(incoming, f.path)
        mkdirSync(dirname(target), { recursive: true })
        copyFileSync(join(root, f.path), target)
      }
      makeReadOnly(incoming)
    } catch (e) {
      removeTree(incoming)
      throw e
    }
    return incoming
  })
  const publish = (incoming: string) =>
    Effect.sync(() => {
      // Under the catalog's write lock with no row for this content: a folder here is one a killed submit left.
      if (existsSync(final)) {
        const orphan = join(store, privateName(".incoming-"))
        renameSync(final, orphan)
        removeTree(orphan)
      }
      renameSync(incoming, final)
      const st = statSync(final)
      published = { ino: st.ino, dev: st.dev }
    })
  /** Undoes this submit's part: its copy, and the stored folder if it is still the one it published. */
  const undo = (incoming: string) =>
    Effect.sync(() => {
      removeTree(incoming)
      if (published === undefined || !existsSync(final)) return
      const st = statSync(final)
      if (st.ino === published.ino && st.dev === published.dev) removeTree(final)
    })
  return Effect.acquireUseRelease(
    copy,
    (incoming) => register(final, publish(incoming)),
    (incoming, exit) => (Exit.isSuccess(exit) ? Effect.void : undo(incoming))
  )
}
