import { existsSync, readdirSync, statSync } from "node:fs"
import { join, relative, sep } from "node:path"

/** Every regular file under `dir`, as sorted paths relative to `root` with forward slashes. */
export const filesUnder = (root: string, dir: string = root): Array<string> => {
  if (!existsSync(dir)) return []
  const out: Array<string> = []
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name)
      if (statSync(full).isDirectory()) walk(full)
      else out.push(relative(root, full).split(sep).join("/"))
    }
  }
  walk(dir)
  return out
}
