import { Readability } from "@mozilla/readability"
import { parseHTML } from "linkedom"
import { readFile } from "node:fs/promises"
import { decodeText } from "../encoding.ts"
import { toIso6393 } from "../language-codes.ts"
import { documentFrom, rejected, unreadable, wholeFileReader, withFileMetadata, type DocumentReader, type FileToRead, type IngestItem, type ReaderLimits } from "../reader.ts"

export const blockElements = new Set([
  "address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5",
  "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "th", "thead", "tr", "ul", "br", "body", "html"
])
export const skippedElements = new Set(["script", "style", "noscript", "template", "head", "title", "svg", "math"])

interface DomNode {
  readonly nodeType: number
  readonly nodeName: string
  readonly textContent: string | null
  readonly childNodes: ArrayLike<DomNode>
}

/**
 * The paragraphs of an (X)HTML tree: each heading, paragraph, list item or table cell one
 * paragraph, white space inside it collapsed. Shared by the HTML and EPUB readers.
 */
export const paragraphsOf = (root: DomNode): Array<string> => {
  const paragraphs: Array<string> = []
  let current = ""
  const flush = () => {
    const p = current.replace(/\s+/g, " ").trim()
    if (p) paragraphs.push(p)
    current = ""
  }
  const walk = (node: DomNode) => {
    if (node.nodeType === 3) {
      current += node.textContent ?? ""
      return
    }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) return
    const name = node.nodeName.toLowerCase()
    if (skippedElements.has(name)) return
    const block = blockElements.has(name)
    if (block) flush()
    for (let i = 0; i < node.childNodes.length; i++) walk(node.childNodes[i]!)
    if (block) flush()
  }
  walk(root)
  flush()
  return paragraphs
}

interface ElementNode {
  readonly children: ArrayLike<ElementNode>
}

/** How deep elements nest, counted without recursion and only until past `bound`. */
const nestingDepth = (root: ElementNode | null, bound: number): number => {
  if (!root) return 0
  let deepest = 0
  const pending: Array<[ElementNode, number]> = [[root, 1]]
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!
    if (depth > deepest) deepest = depth
    if (deepest > bound) return deepest
    for (let i = 0; i < node.children.length; i++) pending.push([node.children[i]!, depth + 1])
  }
  return deepest
}

/** A date a document field takes (YYYY, YYYY-MM or YYYY-MM-DD) from the start of a metadata value. */
export const dateOf = (value: string | null | undefined): string | undefined => /^\s*(\d{4}(?:-\d{2}(?:-\d{2})?)?)/.exec(value ?? "")?.[1]

const metaContent = (document: { querySelector: (s: string) => { getAttribute: (n: string) => string | null } | null }, names: ReadonlyArray<string>) => {
  for (const n of names) {
    const v = document.querySelector(`meta[name="${n}" i], meta[property="${n}" i]`)?.getAttribute("content")?.trim()
    if (v) return v
  }
  return undefined
}

const readHtml = async (file: FileToRead, limits: ReaderLimits): Promise<Array<IngestItem>> => {
  const at = { localId: file.documentId ?? file.path, line: 0 }
  if (file.bytes > limits.maxDocumentBytes) {
    return [rejected(file, at, "too-large", `${file.bytes} bytes is over the ${limits.maxDocumentBytes}-byte document limit (ACERVO_MAX_DOCUMENT_BYTES); split the file or raise the limit`)]
  }
  const bytes = await readFile(file.storedPath)
  const decoded = decodeText(bytes)
  if (decoded._tag === "InvalidUtf8") {
    return [rejected(file, at, "invalid-utf8", `${decoded.invalidSequences} invalid UTF-8 byte sequence(s), the first at byte ${decoded.firstOffset}; re-save the page as UTF-8`)]
  }
  if (decoded.text.includes("\u0000") || !/<[a-z!]/i.test(decoded.text)) {
    return [rejected(file, at, "html-invalid", "the file is not an HTML page (no markup, or binary bytes); save the page again as HTML")]
  }
  const { document } = parseHTML(decoded.text)
  // Readability's walks recurse and grow with nesting: a page nested past the XML bound is refused
  // before it runs (50,000 nested <div>s took 26 s and overflowed the stack).
  const depth = nestingDepth(document.documentElement as unknown as ElementNode, limits.maxDepth)
  if (depth > limits.maxDepth) {
    return [rejected(file, at, "html-invalid", `elements nest deeper than ${limits.maxDepth} levels (ACERVO_MAX_XML_DEPTH); no real page does: save the page again from a browser`)]
  }
  const head = {
    title: document.querySelector("title")?.textContent?.trim() || metaContent(document, ["dc.title", "og:title"]),
    author: metaContent(document, ["author", "dc.creator", "dcterms.creator", "article:author"]),
    date: dateOf(metaContent(document, ["dcterms.date", "dc.date", "date", "article:published_time", "dcterms.created"])),
    language: toIso6393(document.documentElement?.getAttribute("lang") ?? metaContent(document, ["dc.language", "language", "content-language"]))
  }
  // Site navigation, banners and footers go first (Readability keeps them when a page's body is
  // flat, as saved and generated pages often are); Readability then takes the main content out.
  for (const el of document.querySelectorAll("nav, aside, [role=navigation], [role=banner], [role=contentinfo], [role=complementary]")) el.remove()
  for (const el of document.querySelectorAll("header, footer")) if (!el.closest("article, main")) el.remove()
  const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 100 }).parse()
  const paragraphs = article?.content ? paragraphsOf(parseHTML(`<html><body>${article.content}</body></html>`).document as unknown as DomNode) : []
  if (paragraphs.length === 0) return [rejected(file, at, "html-invalid", "the page has no main text acervo could find; send the article's own HTML")]
  const text = paragraphs.join("\n\n") + "\n"
  const doc = documentFrom(file, { ...at, fields: file.fields, text, encoding: decoded.encoding, rawBytes: bytes.length })
  return [{
    _tag: "Document",
    document: withFileMetadata(doc, {
      title: head.title || article?.title || undefined,
      creators: head.author ? [head.author] : article?.byline ? [article.byline] : undefined,
      created: head.date ?? dateOf(article?.publishedTime),
      language: head.language ?? toIso6393(article?.lang ?? undefined)
    })
  }]
}

/** `.html` and `.htm`: a saved web page's main content (Readability), its `<meta>` as metadata. */
export const htmlReader: DocumentReader = {
  format: "html",
  extensions: [".xhtml", ".html", ".htm"],
  read: wholeFileReader(readHtml, unreadable)
}
