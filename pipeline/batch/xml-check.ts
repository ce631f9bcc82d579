import { Effect } from "effect"
import { join } from "node:path"
import type { DocumentFields } from "../../domain/batch-schema.ts"
import { readerFor } from "../../stages/ingest/readers/index.ts"
import { checkXmlSafety, type XmlLimits } from "../../stages/ingest/xml.ts"
import type { BatchProblem } from "../errors.ts"

/**
 * The XML problems the readers would find at run, found at submit by the readers' own parser
 * (`checkXmlSafety`): every document whose reader parses XML (by its name, as `readerFor` picks
 * it: `.xml`, `.tei.xml`, `.alto`, `.alto.xml`, `.eaf`), the whole file, in any encoding the readers
 * decode (UTF-8, UTF-16 with or without a byte order mark, a declared single-byte encoding).
 * Entity declarations, undefined entities and nesting past `ACERVO_MAX_XML_DEPTH` refuse the batch
 * (`xml-unsafe`); XML that is not well-formed is a warning, since the reader will exclude that
 * document as `xml-invalid` and nothing else.
 */
export const xmlProblems = (root: string, documents: ReadonlyArray<{ readonly path: string; readonly fields: DocumentFields }>, limits: XmlLimits) =>
  Effect.promise(async () => {
    const problems: Array<BatchProblem> = []
    for (const doc of documents) {
      if (!readerFor(doc.path, doc.fields.reader)?.xml) continue
      const refused = await checkXmlSafety(join(root, doc.path), limits)
      if (!refused) continue
      problems.push(
        refused.code === "xml-unsafe"
          ? {
              code: "xml-unsafe",
              file: doc.path,
              path: "",
              problem: `is unsafe XML: ${refused.message}`,
              expected: `XML without entity declarations in its DOCTYPE (XXE, billion laughs) or entities other than the five XML ones, nested at most ${limits.maxDepth} levels (ACERVO_MAX_XML_DEPTH)`,
              fatal: true
            }
          : {
              code: "xml-invalid",
              file: doc.path,
              path: "",
              problem: `is not readable XML (${refused.message}); it will be excluded as xml-invalid`,
              expected: "well-formed XML; open it in an XML editor and save it again",
              fatal: false
            }
      )
    }
    return problems
  })
