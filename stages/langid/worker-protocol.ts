import { Schema } from "effect"

export interface IdentificationResult {
  readonly lang: string
  readonly score: number | null
  readonly langs: Record<string, number>
}

/**
 * A batch of raw JSONL lines for one worker. Lines travel as the strings they were read as and come
 * back as one string of output lines, so that the thread feeding the workers does no per-line
 * parsing or serialisation: on two cores that thread was the bottleneck.
 */
export class IdentifyJsonlBatch extends Schema.TaggedRequest<IdentifyJsonlBatch>()("IdentifyJsonlBatch", {
  failure: Schema.String,
  success: Schema.String,
  payload: {
    lines: Schema.Array(Schema.String),
    /** Line number of each line, for messages. */
    numbers: Schema.Array(Schema.Number),
    source: Schema.String,
    candidates: Schema.Array(Schema.String),
    segments: Schema.Number,
    dominantShare: Schema.Number
  }
}) {}
