/**
 * What JSON.parse does not tell about a JSON text: how deeply it nests, and whether an object
 * names a key twice (JSON.parse keeps the last, so one batch.json could say two things, e.g. two
 * institutions, to two readers). One linear pass over the text, holding only a stack of the
 * containers open at the point reached, so it can run before anything parses the text
 * recursively (JSON.stringify, schema decoding, structured clone): a 100,000-level text costs
 * no more stack here than a flat one. A small scanner rather than a JSON AST library: those
 * parse recursively themselves and build the whole tree, where this needs neither.
 *
 * The text is assumed to be JSON or close to it; on text that is not, the answer is still
 * linear and safe, and JSON.parse reports the syntax error.
 */

/** The depth limit of batch.json and JSONL lines unless ACERVO_MAX_JSON_DEPTH says otherwise. */
export const DEFAULT_MAX_JSON_DEPTH = 64

export interface JsonShape {
  /** Where nesting first goes past the limit: the path of the container that does, and the limit. */
  readonly tooDeep: { readonly path: string } | undefined
  /** Keys an object names more than once, by the path of the second (and later) occurrence. */
  readonly duplicateKeys: ReadonlyArray<{ readonly path: string; readonly key: string }>
}

interface Frame {
  readonly object: boolean
  /** Keys seen so far (objects only). */
  readonly keys: Set<string> | undefined
  /** The key or index of the value being read in this container. */
  at: string | number | undefined
  expectKey: boolean
}

const pathStep = (at: string | number) => (typeof at === "number" ? `[${at}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(at) ? `.${at}` : `[${JSON.stringify(at)}]`)

const pathOf = (stack: ReadonlyArray<Frame>, upTo: number) => {
  let path = "$"
  for (let i = 0; i < upTo; i++) {
    const at = stack[i]!.at
    if (at !== undefined) path += pathStep(at)
  }
  return path
}

/** Nesting depth counts containers: `{}` is 1, `{"a": []}` is 2. */
export const jsonShape = (text: string, maxDepth: number, maxDuplicates = 20): JsonShape => {
  const stack: Array<Frame> = []
  const duplicateKeys: Array<{ path: string; key: string }> = []
  const QUOTE = 0x22
  const BACKSLASH = 0x5c
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      let end = i + 1
      while (end < text.length) {
        const d = text.charCodeAt(end)
        if (d === BACKSLASH) end += 2
        else if (d === QUOTE) break
        else end++
      }
      const top = stack[stack.length - 1]
      if (top?.object && top.expectKey) {
        let key: string
        try {
          key = JSON.parse(text.slice(i, end + 1)) as string
        } catch {
          key = text.slice(i + 1, end)
        }
        top.expectKey = false
        top.at = key
        if (top.keys!.has(key)) {
          if (duplicateKeys.length < maxDuplicates) duplicateKeys.push({ path: pathOf(stack, stack.length), key })
        } else top.keys!.add(key)
      }
      i = end
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return { tooDeep: { path: pathOf(stack, stack.length) }, duplicateKeys }
      const object = c === 0x7b
      stack.push({ object, keys: object ? new Set() : undefined, at: object ? undefined : 0, expectKey: object })
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop()
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1]
      if (top?.object) top.expectKey = true
      else if (top) top.at = (top.at as number) + 1
    }
  }
  return { tooDeep: undefined, duplicateKeys }
}
