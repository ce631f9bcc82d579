import { SaxesParser } from "saxes"
import { createReadStream } from "node:fs"
import { Readable } from "node:stream"

export interface XmlElement {
  /** Name without its namespace prefix (`String`, not `alto:String`), so ALTO v2, v3 and v4 read alike. */
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
}

export interface XmlHandler {
  readonly open?: (element: XmlElement, depth: number) => void
  readonly close?: (name: string, depth: number) => void
  readonly text?: (text: string) => void
}

export class XmlRefused extends Error {
  constructor(readonly code: "xml-unsafe" | "xml-invalid", reason: string) {
    super(reason)
  }
}

export interface XmlLimits {
  readonly maxDepth: number
}

const localName = (qualified: string) => {
  const colon = qualified.indexOf(":")
  return colon < 0 ? qualified : qualified.slice(colon + 1)
}

/**
 * The encoding an XML file's bytes are in, from its first bytes as XML 1.0 (appendix F) tells a
 * parser to decide: a byte order mark (UTF-8, UTF-16LE, UTF-16BE), else UTF-16 without one by
 * its first character (`<` or white space) written in two bytes, else the encoding its XML declaration names (ISO-8859-1 and
 * Windows-1252 are common in Latin American archives), else UTF-8. The readers and the submit-time
 * check decode through this one function, so both see the same text.
 */
export const xmlEncoding = (head: Uint8Array): string => {
  const [a, b, c] = head
  if (a === 0xef && b === 0xbb && c === 0xbf) return "utf-8"
  if (a === 0xff && b === 0xfe) return "utf-16le"
  if (a === 0xfe && b === 0xff) return "utf-16be"
  // "<" or white space in a two-byte unit: no UTF-8 or single-byte XML starts with a NUL.
  const markupStart = (x: number | undefined) => x === 0x3c || x === 0x20 || x === 0x09 || x === 0x0a || x === 0x0d
  if (markupStart(a) && b === 0x00) return "utf-16le"
  if (a === 0x00 && markupStart(b)) return "utf-16be"
  const declared = /^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(Buffer.from(head.subarray(0, 512)).toString("latin1"))?.[1]?.toLowerCase()
  if (declared === undefined || declared === "utf-8" || declared === "utf8" || declared === "us-ascii" || declared === "ascii") return "utf-8"
  if (declared.startsWith("utf-16") || declared.startsWith("ucs-2") || declared.startsWith("utf-32")) {
    throw new XmlRefused("xml-invalid", `the XML declaration says ${declared}, but the file is not written in it (no byte order mark, one-byte characters); save it again as UTF-8`)
  }
  try {
    // The WHATWG name of the encoding (ISO-8859-1 is decoded as its superset Windows-1252).
    return new TextDecoder(declared).encoding
  } catch {
    throw new XmlRefused("xml-invalid", `the XML declaration names the encoding "${declared}", which acervo does not read; save the file as UTF-8`)
  }
}

/**
 * Streams an XML file through saxes. Safety comes first: saxes never reads a DTD or an external
 * entity, and only the five predefined entities expand; a DOCTYPE that declares entities (XXE,
 * billion laughs) is refused outright, and nesting deeper than `maxDepth` stops the parse.
 * Resolves with the encoding the file was decoded from (see `xmlEncoding`).
 */
export const parseXmlFile = (path: string, handler: XmlHandler, limits: XmlLimits): Promise<string> =>
  parseXmlStream(createReadStream(path), handler, limits)

/** `parseXmlFile` over bytes already in memory (a part of a DOCX, ODT or EPUB archive). */
export const parseXmlBytes = (bytes: Uint8Array, handler: XmlHandler, limits: XmlLimits): Promise<string> =>
  parseXmlStream(Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), handler, limits)

const parseXmlStream = (input: Readable, handler: XmlHandler, limits: XmlLimits): Promise<string> =>
  new Promise((resolve, reject) => {
    const parser = new SaxesParser({ xmlns: false, position: true })
    let depth = 0
    let failure: Error | undefined
    const fail = (e: Error) => {
      if (!failure) failure = e
    }
    parser.on("doctype", (doctype) => {
      if (/<!ENTITY/i.test(doctype)) fail(new XmlRefused("xml-unsafe", "the DOCTYPE declares entities; acervo never expands DTD entities (XXE, billion laughs): remove the DOCTYPE"))
      else if (/\b(SYSTEM|PUBLIC)\b/.test(doctype) && /\[/.test(doctype)) fail(new XmlRefused("xml-unsafe", "the DOCTYPE has an internal subset; remove it"))
    })
    parser.on("opentag", (tag) => {
      if (failure) return
      depth++
      if (depth > limits.maxDepth) {
        fail(new XmlRefused("xml-unsafe", `elements nest deeper than ${limits.maxDepth} levels`))
        return
      }
      const attributes: Record<string, string> = {}
      for (const [k, v] of Object.entries(tag.attributes as Record<string, string>)) attributes[k.startsWith("xml:") ? k : localName(k)] = v
      handler.open?.({ name: localName(tag.name), attributes }, depth)
    })
    parser.on("closetag", (tag) => {
      if (failure) return
      handler.close?.(localName(tag.name), depth)
      depth--
    })
    parser.on("text", (t) => {
      if (!failure) handler.text?.(t)
    })
    parser.on("cdata", (t) => {
      if (!failure) handler.text?.(t)
    })
    parser.on("error", (e) => {
      const message = e.message.replace(/^undefined:/, "")
      fail(/undefined entity/i.test(message)
        ? new XmlRefused("xml-unsafe", `${message.trim()}: entities other than the five XML ones are not expanded`)
        : new XmlRefused("xml-invalid", `not well-formed XML: ${message.trim()}`))
    })
    let encoding = "utf-8"
    // Chosen from the first chunk; a TextDecoder drops the byte order mark itself.
    let decoder: InstanceType<typeof TextDecoder> | undefined
    input.on("data", (chunk) => {
      if (failure) {
        input.destroy()
        return
      }
      try {
        if (!decoder) {
          encoding = xmlEncoding(chunk as Buffer)
          decoder = new TextDecoder(encoding)
        }
        parser.write(decoder.decode(chunk as Buffer, { stream: true }))
      } catch (e) {
        fail(e as Error)
      }
      if (failure) input.destroy()
    })
    input.on("error", (e) => reject(e))
    input.on("close", () => {
      if (!failure) {
        try {
          parser.write(decoder?.decode() ?? "").close()
        } catch (e) {
          fail(e as Error)
        }
      }
      if (failure) reject(failure instanceof XmlRefused ? failure : new XmlRefused("xml-invalid", `not well-formed XML: ${failure.message}`))
      else resolve(encoding)
    })
  })

/**
 * What the readers would decide about an XML file, decided the same way: the whole file streamed
 * through `parseXmlFile` with handlers that do nothing. `undefined` when a reader would parse it.
 */
export const checkXmlSafety = (path: string, limits: XmlLimits): Promise<XmlRefused | undefined> =>
  parseXmlFile(path, {}, limits).then(
    () => undefined,
    (e: unknown) => (e instanceof XmlRefused ? e : new XmlRefused("xml-invalid", `cannot be read: ${(e as Error).message ?? String(e)}`))
  )

/** Reads just enough of an XML file to name its root element. */
export const rootElement = async (path: string): Promise<string | undefined> => {
  const stream = createReadStream(path, { start: 0, end: 16 * 1024 })
  const chunks: Array<Buffer> = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  const bytes = Buffer.concat(chunks)
  const head = new TextDecoder(xmlEncoding(bytes)).decode(bytes)
  const withoutProlog = head.replace(/^\uFEFF/, "").replace(/<\?[\s\S]*?\?>/g, "").replace(/<!--[\s\S]*?-->/g, "").replace(/<!DOCTYPE[^>]*>/i, "")
  const match = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(withoutProlog)
  return match?.[2]
}
