import { lstatSync, readdirSync } from "node:fs"
import { isUtf8 } from "node:buffer"
import { forbiddenCharacter, printable, printableBytes } from "../../domain/characters.ts"
import type { BatchProblem } from "../errors.ts"

/** Files a packing tool leaves behind, never documents. */
export const IGNORED_NAMES = new Set([".DS_Store", "Thumbs.db", "__MACOSX"])

const SLASH = Buffer.from("/")

/**
 * Every regular file under `root`, as batch-relative paths with forward slashes, sorted. Names
 * are read as the bytes the file system holds: a name that is not UTF-8 cannot be a batch path
 * (decoding it as text would name another file, which then "does not exist"), and one with a
 * control or format character hides what it is; each is a problem naming the file and the fix,
 * as are symbolic links.
 */
export const listBatchFiles = (root: string, problems: Array<BatchProblem>): Array<string> => {
  const out: Array<string> = []
  const walk = (dir: Buffer, rel: string) => {
    const names = readdirSync(dir, { encoding: "buffer" })
    const valid: Array<{ name: string; bytes: Buffer }> = []
    for (const bytes of names) {
      const shown = `${rel}${printableBytes(bytes)}`
      if (!isUtf8(bytes)) {
        problems.push({ code: "name-invalid-utf8", file: shown, path: "", problem: "has a name that is not valid UTF-8 (the bytes shown as \\xNN); acervo cannot name it in the catalog or a release", expected: "file and folder names in UTF-8: rename it, e.g. with `convmv -f latin1 -t utf8`", fatal: true })
        continue
      }
      const name = bytes.toString("utf8")
      const found = forbiddenCharacter(name)
      if (found !== undefined) {
        problems.push({ code: "name-control-character", file: `${rel}${printable(name)}`, path: "", problem: `has ${found} in its name, which hides what the name says`, expected: "a name without control or format characters (NUL, line breaks, bidi overrides, zero-width characters): rename it", fatal: true })
        continue
      }
      valid.push({ name, bytes })
    }
    valid.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const { name, bytes } of valid) {
      if (IGNORED_NAMES.has(name)) continue
      const full = Buffer.concat([dir, SLASH, bytes])
      const path = `${rel}${name}`
      const st = lstatSync(full)
      if (st.isSymbolicLink()) {
        problems.push({ code: "file-link", file: path, path: "", problem: "is a symbolic link", expected: "plain files only; copy the file into the batch", fatal: true })
      } else if (st.isDirectory()) walk(full, `${path}/`)
      else if (st.isFile()) out.push(path)
    }
  }
  walk(Buffer.from(root), "")
  return out
}
