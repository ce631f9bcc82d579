import { Effect } from "effect"
import { expect } from "vitest"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { submitBatch } from "../../pipeline/batch/submit.ts"
import { Batches } from "../../catalog/batches.ts"
import { withApp } from "../helpers.ts"

export const submitIn = (home: string, path: string, institution?: string) =>
  Effect.runPromise(withApp(home)(Effect.either(submitBatch(path, institution))))

export const registered = (home: string) =>
  Effect.runPromise(withApp(home)(Effect.flatMap(Batches, (c) => c.batches)))

/** What a failed submit must leave: no batch row, nothing stored, no staging left over. */
export const expectNothingRegistered = async (home: string) => {
  expect(await registered(home)).toEqual([])
  const store = join(home, "batches")
  expect(existsSync(store) ? readdirSync(store) : []).toEqual([])
  const staging = join(home, "staging")
  expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([])
}
