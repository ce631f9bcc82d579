import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as tar from "tar"
import yazl from "yazl"

/** Archives of batch folders for submission tests, built the way partners' tools build them. */
export const tarGz = async (dir: string, out: string) => {
  await tar.c({ gzip: true, file: out, cwd: join(dir, ".."), portable: true }, [dir.split("/").at(-1)!])
  return out
}

export const zipOf = (entries: ReadonlyArray<{ name: string; data: Buffer }>, out: string) =>
  new Promise<string>((resolve, reject) => {
    const zip = new yazl.ZipFile()
    for (const e of entries) zip.addBuffer(e.data, e.name)
    zip.end()
    const chunks: Array<Buffer> = []
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c))
    zip.outputStream.on("end", () => {
      writeFileSync(out, Buffer.concat(chunks))
      resolve(out)
    })
    zip.outputStream.on("error", reject)
  })

export const zipFolder = (dir: string, out: string) => {
  const entries: Array<{ name: string; data: Buffer }> = []
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name)
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`)
      else entries.push({ name: `${prefix}${name}`, data: readFileSync(full) })
    }
  }
  walk(dir, "")
  return zipOf(entries, out)
}
