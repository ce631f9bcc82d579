import { SaxesParser } from "saxes"
import { createReadStream } from "node:fs"

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
 * Streams an XML file through saxes. Safety comes first: saxes never reads a DTD or an external
 * entity, and only the five predefined entities expand; a DOCTYPE that declares entities (XXE,
 * billion laughs) is refused outright, and nesting deeper than `maxDepth` stops the parse.
 */
export const parseXmlFile = (path: string, handler: XmlHandler, limits: XmlLimits): Promise<void> =>
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
    const input = createReadStream(path)
    const decoder = new TextDecoder("utf-8")
    let first = true
    input.on("data", (chunk) => {
      if (failure) {
        input.destroy()
        return
      }
      let text = decoder.decode(chunk as Buffer, { stream: true })
      if (first) {
        text = text.replace(/^\uFEFF/, "")
        first = false
      }
      try {
        parser.write(text)
      } catch (e) {
        fail(e as Error)
      }
      if (failure) input.destroy()
    })
    input.on("error", (e) => reject(e))
    input.on("close", () => {
      if (!failure) {
        try {
          parser.write(decoder.decode()).close()
        } catch (e) {
          fail(e as Error)
        }
      }
      if (failure) reject(failure instanceof XmlRefused ? failure : new XmlRefused("xml-invalid", `not well-formed XML: ${failure.message}`))
      else resolve()
    })
  })

/** Reads just enough of an XML file to name its root element. */
export const rootElement = async (path: string): Promise<string | undefined> => {
  const stream = createReadStream(path, { start: 0, end: 16 * 1024 })
  let head = ""
  for await (const chunk of stream) head += (chunk as Buffer).toString("utf8")
  const withoutProlog = head.replace(/^\uFEFF/, "").replace(/<\?[\s\S]*?\?>/g, "").replace(/<!--[\s\S]*?-->/g, "").replace(/<!DOCTYPE[^>]*>/i, "")
  const match = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(withoutProlog)
  return match?.[2]
}
