import { readFile } from "node:fs/promises"
import { documentFrom, rejected, withFileMetadata, wholeFileReader, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"
import { toIso6393 } from "../language-codes.ts"

/** Pages read from one PDF when ACERVO_MAX_PDF_PAGES is not given. */
export const DEFAULT_MAX_PDF_PAGES = 5000

/** Largest PDF file read when ACERVO_MAX_PDF_BYTES is not given: PDFs carry images, so this is not the text limit. */
export const DEFAULT_MAX_PDF_BYTES = 512 * 1024 * 1024

/** One run of text as pdf.js places it on the page (PDF user space: y grows upwards). */
interface Run {
  readonly str: string
  readonly x: number
  readonly y: number
  readonly width: number
  readonly size: number
}

interface Line {
  readonly text: string
  readonly y: number
  readonly size: number
}

type PdfJs = typeof import("pdfjs-dist/legacy/build/pdf.mjs")

let pdfjsLoaded: Promise<PdfJs> | undefined
/**
 * pdf.js in Node runs its parser on the calling thread ("fake worker") when the worker module is
 * already loaded as `globalThis.pdfjsWorker`; this avoids resolving a worker file by path, which
 * differs between the sources run by tsx and the compiled dist/.
 */
const pdfjs = (): Promise<PdfJs> =>
  (pdfjsLoaded ??= (async () => {
    const workerModule: string = "pdfjs-dist/legacy/build/pdf.worker.mjs" // ships no type declarations
    const worker: unknown = await import(workerModule)
    ;(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker
    return await import("pdfjs-dist/legacy/build/pdf.mjs")
  })())

const LIGATURES = /[\uFB00-\uFB06]/g
const normaliseRun = (s: string) => s.replace(LIGATURES, (c) => c.normalize("NFKC")).replace(/[\u0000-\u0008\u000B-\u001F]/g, "")

/**
 * Groups runs into lines, each line's runs left to right, lines top to bottom. Runs share a line
 * when their heights overlap by half the smaller one, so a raised footnote mark stays in its line.
 */
const linesOf = (runs: ReadonlyArray<Run>): Array<Line> => {
  const top = (r: Run) => r.y + (r.size || 1)
  const sorted = [...runs].sort((a, b) => top(b) - top(a) || a.x - b.x)
  const groups: Array<Array<Run>> = []
  let main: Run | undefined
  for (const run of sorted) {
    const overlap = main ? Math.min(top(main), top(run)) - Math.max(main.y, run.y) : -1
    if (main && overlap >= 0.5 * Math.min(main.size || 1, run.size || 1)) {
      groups[groups.length - 1]!.push(run)
      if (run.size > main.size) main = run
    } else {
      groups.push([run])
      main = run
    }
  }
  return groups.map((group) => {
    const main = group.reduce((m, r) => (r.size > m.size ? r : m), group[0]!)
    // A smaller run raised above the baseline is a footnote mark: a word of its own ("Nisman 1").
    const raised = (r: Run) => r.size < 0.85 * main.size && r.y > main.y + 0.15 * main.size
    group.sort((a, b) => a.x - b.x)
    let text = ""
    let end = -Infinity
    let size = 0
    let previous: Run | undefined
    for (const run of group) {
      size = Math.max(size, run.size)
      const gap = run.x - end
      const markEdge = previous !== undefined && raised(run) !== raised(previous) && /^\p{N}/u.test(raised(run) ? run.str : previous.str.slice(-1))
      if (text && !/\s$/.test(text) && !/^\s/.test(run.str) && (gap > 0.15 * (run.size || 10) || markEdge)) text += " "
      previous = run
      text += run.str
      end = Math.max(end, run.x + run.width)
    }
    return { text: text.replace(/\s+/g, " ").trim(), y: main.y, size }
  }).filter((l) => l.text.length > 0)
}

/** Widest gap between the intervals, as [start, end], or undefined when they leave none. */
const widestGap = (intervals: Array<[number, number]>): [number, number] | undefined => {
  intervals.sort((a, b) => a[0] - b[0])
  let best: [number, number] | undefined
  let reach = intervals[0]![1]
  for (const [from, to] of intervals.slice(1)) {
    if (from > reach && (!best || from - reach > best[1] - best[0])) best = [reach, from]
    reach = Math.max(reach, to)
  }
  return best
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0

/**
 * Whether the two sides of a gutter are columns of text (both with lines of prose length) or a
 * body and a side label, rather than the cells of a table, whose rows must stay whole.
 */
const columnsNotTable = (left: ReadonlyArray<Line>, right: ReadonlyArray<Line>): boolean => {
  const meanChars = (lines: ReadonlyArray<Line>) => lines.reduce((n, l) => n + l.text.length, 0) / (lines.length || 1)
  if (meanChars(left) >= 20 && meanChars(right) >= 20) return true
  const fewer = Math.min(left.length, right.length)
  const more = Math.max(left.length, right.length)
  return fewer * 3 <= more
}

/**
 * A page's lines in reading order, by recursive XY cuts: a block is split at a vertical gutter
 * that runs its whole height (columns, read left to right) or, failing that, at its widest
 * horizontal gap (read top to bottom), so a full-width title or paragraph above two columns is
 * read first and each column is read whole. Blocks no gap splits are read line by line.
 */
const pageLines = (runs: ReadonlyArray<Run>): Array<Line> => {
  if (runs.length === 0) return []
  const size = median(runs.map((r) => r.size)) || 10
  const out: Array<Line> = []
  const cut = (block: ReadonlyArray<Run>, depth: number) => {
    if (block.length < 2 || depth > 64) {
      out.push(...linesOf(block))
      return
    }
    const vertical = widestGap(block.map((r) => [r.x, r.x + r.width]))
    if (vertical && vertical[1] - vertical[0] >= Math.max(6, size)) {
      const at = (vertical[0] + vertical[1]) / 2
      const left = block.filter((r) => r.x < at)
      const right = block.filter((r) => r.x >= at)
      if (columnsNotTable(linesOf(left), linesOf(right))) {
        cut(left, depth + 1)
        cut(right, depth + 1)
        return
      }
    }
    const horizontal = widestGap(block.map((r) => [r.y, r.y + (r.size || 1)]))
    if (horizontal && horizontal[1] - horizontal[0] >= 0.6 * size) {
      const at = (horizontal[0] + horizontal[1]) / 2
      cut(block.filter((r) => r.y >= at), depth + 1)
      cut(block.filter((r) => r.y < at), depth + 1)
      return
    }
    out.push(...linesOf(block))
  }
  cut(runs, 0)
  return out
}

const HYPHEN_END = /[\p{L}][-\u00AD\u2010]$/u

/** Lines joined into text: a word hyphenated across a line end is put back together. */
const joinLines = (lines: ReadonlyArray<string>): string => {
  let out = ""
  for (const raw of lines) {
    const line = raw
    if (!out) out = line
    else if (HYPHEN_END.test(out) && /^\p{Ll}/u.test(line)) out = out.slice(0, -1) + line
    else out += "\n" + line
  }
  return out.replace(/\u00AD/g, "")
}

/** A line as it repeats on pages: lower case, digits as `#`, spaces collapsed. */
const repeatKey = (s: string) => s.toLowerCase().replace(/\d+/g, "#").replace(/\s+/g, " ").trim()
const PAGE_NUMBER = /^\W*(?:p(?:a|á)g(?:e|ina)?\.?\s*)?\d{1,5}(?:\s*(?:\/|of|de)\s*\d{1,5})?\W*$/i
/** Lines at the top and at the bottom of a page looked at for running headers and footers. */
const EDGE_LINES = 2

/**
 * Running headers and footers: lines among the first or last of a page whose text (digits aside)
 * repeats on at least 3 pages and on at least 40% of them, and bare page numbers at either edge.
 */
const withoutRunningLines = (pages: ReadonlyArray<ReadonlyArray<Line>>): { pages: Array<Array<string>>; removed: number } => {
  const counts = new Map<string, number>()
  const edgeLines = (lines: ReadonlyArray<Line>) => {
    const byHeight = [...lines].sort((a, b) => b.y - a.y)
    return new Set([...byHeight.slice(0, EDGE_LINES), ...byHeight.slice(-EDGE_LINES)])
  }
  const edges = pages.map(edgeLines)
  for (const edge of edges) for (const key of new Set([...edge].map((l) => repeatKey(l.text)))) counts.set(key, (counts.get(key) ?? 0) + 1)
  const threshold = Math.max(3, Math.ceil(pages.length * 0.4))
  let removed = 0
  const kept = pages.map((lines, i) =>
    lines
      .filter((line) => {
        if (!edges[i]!.has(line)) return true
        if (PAGE_NUMBER.test(line.text) || (counts.get(repeatKey(line.text)) ?? 0) >= threshold) {
          removed++
          return false
        }
        return true
      })
      .map((l) => l.text)
  )
  return { pages: kept, removed }
}

/** `D:20200512103000-03'00'` as a date `created` accepts (year, month or day). */
export const pdfDate = (raw: unknown): string | undefined => {
  if (typeof raw !== "string") return undefined
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?/.exec(raw.trim())
  if (!m) return undefined
  const [, y, mo, d] = m
  if (Number(y) < 1000) return undefined
  if (!mo || Number(mo) < 1 || Number(mo) > 12) return y
  if (!d || Number(d) < 1 || Number(d) > 31) return `${y}-${mo}`
  return `${y}-${mo}-${d}`
}

const infoString = (info: Record<string, unknown>, key: string) => {
  const v = info[key]
  return typeof v === "string" && v.trim() ? v.replace(/\s+/g, " ").trim() : undefined
}

/** Titles that name the authoring file or program rather than the work ("Fundar.cdr", "Microsoft Word - informe.docx"). */
const FILE_NAME_TITLE = /^(?:microsoft \w+ - .*|untitled.*|sin título.*|.*\.(?:cdr|docx?|odt|rtf|indd|ai|psd|pdf|pptx?|xlsx?|qxp|pages|tex))$/i

const titleOf = (title: string | undefined) => (title && !FILE_NAME_TITLE.test(title) ? title : undefined)

const elapsedPast = (started: number, limits: ReaderLimits) =>
  !!limits.documentTimeoutSeconds && Date.now() - started > limits.documentTimeoutSeconds * 1000

/**
 * A PDF's text layer as one document: text in reading order, running headers, footers and page
 * numbers removed (and counted in `metadata.pdf`), its Title, Author, CreationDate and Lang under
 * what the partner declared. A PDF without any text is excluded as `needs-ocr`, never released empty.
 */
export const readPdf = async (file: FileToRead, limits: ReaderLimits): Promise<Array<IngestItem>> => {
  const at = { localId: file.documentId ?? file.path, line: 0 }
  const maxPages = limits.maxPdfPages ?? DEFAULT_MAX_PDF_PAGES
  const maxBytes = limits.maxPdfBytes ?? DEFAULT_MAX_PDF_BYTES
  if (file.bytes > maxBytes) {
    return [rejected(file, at, "too-large", `${file.bytes} bytes is over the ${maxBytes}-byte PDF limit (ACERVO_MAX_PDF_BYTES); split the PDF or raise the limit`)]
  }
  const bytes = new Uint8Array(await readFile(file.storedPath))
  if (bytes.length === 0) return [rejected(file, at, "empty-file", "the file is empty")]
  const lib = await pdfjs()
  const task = lib.getDocument({ data: bytes, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, stopAtErrors: false, verbosity: 0, enableXfa: false })
  let doc: Awaited<typeof task.promise>
  try {
    doc = await task.promise
  } catch (e) {
    await task.destroy().catch(() => undefined)
    const name = (e as Error)?.name
    if (name === "PasswordException") {
      return [rejected(file, at, "pdf-encrypted", "the PDF is encrypted with a password that is needed to open it; send it without the password")]
    }
    return [rejected(file, at, "pdf-invalid", `the PDF cannot be read (${(e as Error)?.message ?? String(e)}); export it again from its source`)]
  }
  try {
    const pages = doc.numPages
    if (pages > maxPages) {
      return [rejected(file, at, "pdf-too-many-pages", `the PDF has ${pages} pages, more than the ${maxPages} accepted (ACERVO_MAX_PDF_PAGES); split it or raise the limit`)]
    }
    if (pages === 0) return [rejected(file, at, "pdf-invalid", "the PDF has no pages; export it again from its source")]
    const started = Date.now()
    const pageLinesList: Array<Array<Line>> = []
    let pagesWithoutText = 0
    let chars = 0
    for (let n = 1; n <= pages; n++) {
      if (elapsedPast(started, limits)) {
        return [rejected(file, at, "timeout", `reading the PDF took longer than ${limits.documentTimeoutSeconds} s (ACERVO_DOCUMENT_TIMEOUT_SECONDS), at page ${n} of ${pages}`)]
      }
      const page = await doc.getPage(n)
      const viewport = page.getViewport({ scale: 1 })
      const content = await page.getTextContent()
      const runs: Array<Run> = []
      for (const item of content.items) {
        if (!("str" in item)) continue
        const str = normaliseRun(item.str)
        if (!str.trim()) continue
        const [, , c, d, e, f] = item.transform as [number, number, number, number, number, number]
        // Viewport coordinates keep rotated pages and offset media boxes upright.
        const [x, y] = viewport.convertToViewportPoint(e, f) as [number, number]
        runs.push({ str, x, y: viewport.height - y, width: item.width, size: Math.hypot(c, d) || item.height })
      }
      page.cleanup()
      const lines = pageLines(runs)
      if (lines.length === 0) pagesWithoutText++
      chars += lines.reduce((s, l) => s + l.text.length, 0)
      if (chars > limits.maxDocumentBytes) {
        return [rejected(file, at, "too-large", `the PDF's text is over the ${limits.maxDocumentBytes}-character document limit (ACERVO_MAX_DOCUMENT_BYTES); split it or raise the limit`)]
      }
      pageLinesList.push(lines)
    }
    if (pagesWithoutText === pages) {
      return [rejected(file, at, "needs-ocr", `none of the PDF's ${pages} page(s) has a text layer; run OCR on it and send the text (or an OCR'd PDF)`)]
    }
    const { pages: kept, removed } = withoutRunningLines(pageLinesList)
    // A word hyphenated across a page break is joined too; pages are otherwise kept apart.
    const text = kept
      .map(joinLines)
      .filter((t) => t.length > 0)
      .reduce((all, page) => (!all ? page : HYPHEN_END.test(all) && /^\p{Ll}/u.test(page) ? all.slice(0, -1) + page : `${all}\n\n${page}`), "")
    const meta = await doc.getMetadata().catch(() => undefined)
    const info = (meta?.info ?? {}) as Record<string, unknown>
    const author = infoString(info, "Author")
    const document = documentFrom(file, { ...at, fields: file.fields, text, encoding: "pdf", rawBytes: file.bytes })
    return [
      {
        _tag: "Document",
        document: withFileMetadata(document, {
          title: titleOf(infoString(info, "Title")),
          creators: author ? author.split(/\s*;\s*/).filter(Boolean) : undefined,
          created: pdfDate(info["CreationDate"]),
          language: toIso6393(infoString(info, "Language")),
          metadata: {
            pdf: {
              pages,
              pages_without_text: pagesWithoutText,
              running_lines_removed: removed,
              producer: infoString(info, "Producer") ?? null,
              version: infoString(info, "PDFFormatVersion") ?? null
            }
          }
        })
      }
    ]
  } finally {
    await doc.destroy().catch(() => undefined)
  }
}

const pdfFailure = (file: FileToRead, error: unknown): IngestItem =>
  rejected(file, { localId: file.documentId ?? file.path, line: 0 }, "pdf-invalid", `the PDF cannot be read (${(error as Error)?.message ?? String(error)}); export it again from its source`)

/** `.pdf`: the text layer of the whole file as one document (pdf.js, run on the calling thread). */
export const pdfReader: DocumentReader = {
  format: "pdf",
  extensions: [".pdf"],
  read: wholeFileReader(readPdf, pdfFailure)
}
