/**
 * `npm run bench -- --pdf-only [--pdf-dir DIR]`: the PDF reader (pdf.js, one thread, as readers
 * run today) against poppler's `pdftotext` (Debian `poppler-utils`, when installed) on the same
 * files, in MB of PDF and pages per second per core. By default the Fundar publications among the
 * test fixtures; `--pdf-dir` names another folder of PDFs.
 */
import { execFileSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { table } from "../pipeline/status.ts"
import type { FileToRead } from "../stages/ingest/reader.ts"
import { readPdf } from "../stages/ingest/readers/pdf.ts"

const hasPdftotext = () => {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

export const benchPdf = async (defaultDir: string) => {
  const at = process.argv.indexOf("--pdf-dir")
  const dir = at > 0 ? process.argv[at + 1]! : defaultDir
  const files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith(".pdf")).sort().map((f) => join(dir, f))
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0)
  const fileAt = (path: string): FileToRead => ({ fileId: 1, institution: "bench", batchId: "b", batchSeq: 1, path, storedPath: path, sha256: "", bytes: statSync(path).size, documentId: undefined, fields: {}, doneUnits: 0 })
  // Loading pdf.js (about a second) is paid once per process, not per file: it is left out.
  if (files[0]) await readPdf(fileAt(files[0]), { maxDocumentBytes: 256 * 1024 * 1024, maxDepth: 256 })
  let pages = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (const path of files) {
    const [item] = await readPdf(fileAt(path), { maxDocumentBytes: 256 * 1024 * 1024, maxDepth: 256 })
    const pdf = item?._tag === "Document" ? (item.document.fields.metadata?.["pdf"] as { pages: number } | undefined) : undefined
    pages += pdf?.pages ?? 0
  }
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const rows: Array<Array<string | number>> = [["acervo (pdf.js)", files.length, pages, (bytes / 1e6 / cpuSeconds).toFixed(2), (pages / cpuSeconds).toFixed(1), wall.toFixed(2)]]
  if (hasPdftotext()) {
    const p0 = performance.now()
    for (const path of files) execFileSync("pdftotext", ["-enc", "UTF-8", path, "-"], { maxBuffer: 1 << 30 })
    const seconds = (performance.now() - p0) / 1000
    // pdftotext is one process per file on one core: its wall time is its core time.
    rows.push(["pdftotext (poppler)", files.length, pages, (bytes / 1e6 / seconds).toFixed(2), (pages / seconds).toFixed(1), seconds.toFixed(2)])
  }
  console.log(`PDF text extraction, ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB, ${pages} pages with text (${dir})`)
  console.log(table(["reader", "files", "pages", "MB/s per core", "pages/s per core", "wall s"], rows))
}
