import { Config } from "effect"
import { createRequire } from "node:module"
import { kept, type PipelineDocument } from "../../domain/document.ts"
import { defineStage } from "../stage.ts"

/** The BPE encodings gpt-tokenizer ships; o200k_base is GPT-4o's and later models'. */
export const encodings = ["o200k_base", "o200k_harmony", "cl100k_base", "p50k_base", "r50k_base"] as const
export type Encoding = (typeof encodings)[number]

export interface TokensConfig {
  readonly encoding: Encoding
}

export const tokensConfig: Config.Config<TokensConfig> = Config.all({
  encoding: Config.literal(...encodings)("ACERVO_TOKENS_ENCODING").pipe(
    Config.withDefault("o200k_base" as const),
    Config.withDescription(`BPE encoding whose tokens are counted per record: ${encodings.join(", ")}`)
  )
})

interface Counter {
  readonly countTokens: (text: string, options: { allowedSpecial: Set<string>; disallowedSpecial: Set<string> }) => number
}

const require = createRequire(import.meta.url)
const counters = new Map<Encoding, Counter>()
// Loaded on first use, in the thread that counts: each encoding's rank table is megabytes.
const counterFor = (encoding: Encoding): Counter => {
  let counter = counters.get(encoding)
  if (!counter) counters.set(encoding, (counter = require(`gpt-tokenizer/cjs/encoding/${encoding}`) as Counter))
  return counter
}

// A partner's text that happens to contain `<|endoftext|>` is text, not a control token.
const asText = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() }

export const countTokens = (text: string, encoding: Encoding = "o200k_base"): number => counterFor(encoding).countTokens(text, asText)

/** Tokens per record, with a well-kept BPE tokenizer (gpt-tokenizer), summed in the manifest. */
export const tokensStage = defineStage({
  name: "tokens",
  config: tokensConfig,
  describe: (c) => `tokens per record (${c.encoding}, gpt-tokenizer)`,
  pure: (c) => {
    // The rank table loads here, when the thread sets the stage up, not in the first document's time (ACERVO_DOCUMENT_TIMEOUT_SECONDS).
    counterFor(c.encoding)
    return (doc: PipelineDocument) => kept({ ...doc, annotations: { ...doc.annotations, tokens: countTokens(doc.text, c.encoding) } })
  },
  record: [{ name: "tokens", type: "integer", description: "tokens of the record's text in the configured BPE encoding (ACERVO_TOKENS_ENCODING)", total: true }]
})
