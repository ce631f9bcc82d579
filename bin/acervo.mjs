#!/usr/bin/env node
// Runs the compiled CLI from dist/ (built by `npm install` through the prepare script) when it is
// at least as new as the TypeScript sources; otherwise compiles the sources on load with tsx, so
// an edit is never run stale.
import { existsSync, readdirSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const stamp = join(root, "dist", ".built")

const newestSource = () => {
  let newest = 0
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith(".ts") || entry.name.endsWith(".json")) newest = Math.max(newest, statSync(full).mtimeMs)
    }
  }
  for (const dir of ["domain", "stages", "catalog", "pipeline", "manifests", "licenses"]) walk(join(root, dir))
  return newest
}

if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource()) {
  await import("../dist/pipeline/cli/main.js")
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import("../pipeline/cli/main.ts")
}
