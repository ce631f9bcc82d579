import { recordFields } from "../stages/index.ts"
import { Effect, Schema } from "effect"
import { Batches, type BatchListRow } from "../catalog/batches.ts"
import { Documents } from "../catalog/documents.ts"
import { UsageError } from "./errors.ts"
import { table } from "./table.ts"

export { table }

/** One batch as `acervo status` prints it and `GET /v1/batches` returns it. */
export const BatchSummary = Schema.Struct({
  institution: Schema.String,
  id: Schema.String,
  title: Schema.NullOr(Schema.String),
  submitted: Schema.String,
  files: Schema.Number,
  pending_files: Schema.Number,
  kept: Schema.Number,
  excluded: Schema.Number,
  /** Documents withdrawn by the partner (counted in excluded too). */
  withdrawn: Schema.Number
})
export type BatchSummary = typeof BatchSummary.Type

export const batchSummary = (b: BatchListRow): BatchSummary => ({
  institution: b.institution,
  id: b.batch_id,
  title: b.title,
  submitted: b.submitted_at,
  files: b.files,
  pending_files: b.pending,
  kept: b.kept,
  excluded: b.excluded,
  withdrawn: b.withdrawn
})

export interface StatusReport {
  readonly batches: ReadonlyArray<BatchSummary>
  readonly documents: { readonly kept: number; readonly excluded: number }
  readonly by_stage: Record<string, { kept: number; excluded: number }>
  readonly excluded: Record<string, number>
  readonly excluded_at: ReadonlyArray<{ stage: string; code: string; documents: number }>
  readonly flagged: Record<string, number>
  readonly quality_by_language: ReadonlyArray<{ code: string; lang: string; documents: number }>
  /** Kept documents and characters by language, with the sums of the record fields stages declare as totals (`tokens`, …). */
  readonly languages: Record<string, { readonly documents: number; readonly characters: number; readonly [field: string]: number }>
}

/** The one batch that `ID` or `INSTITUTION/ID` names, or an error saying how to name it. */
export const findBatchRef = <B extends { readonly institution: string; readonly batch_id: string }>(all: ReadonlyArray<B>, ref: string) => {
  const matches = all.filter((b) => b.batch_id === ref || `${b.institution}/${b.batch_id}` === ref)
  if (matches.length === 0) return Effect.fail(new UsageError({ message: `no batch "${ref}" is registered; \`acervo status\` lists them (use ID or INSTITUTION/ID)` }))
  if (matches.length > 1) return Effect.fail(new UsageError({ message: `"${ref}" names batches of ${matches.map((b) => b.institution).join(" and ")}; say INSTITUTION/${ref}` }))
  return Effect.succeed(matches[0]!)
}

/** Batches, documents by stage, exclusions and flags by code: what `acervo status` shows. */
export const statusReport = (batchRef: string | undefined) =>
  Effect.gen(function* () {
    const catalog = yield* Documents
    const all = yield* (yield* Batches).batches
    const batches = batchRef === undefined ? all : [yield* findBatchRef(all, batchRef)]
    const seq = batchRef !== undefined ? batches[0]!.seq : undefined
    const stages = yield* catalog.documentsByStage(seq)
    const excluded = yield* catalog.countsByCode("exclusion", seq)
    const flagged = yield* catalog.countsByCode("flag", seq)
    const languages = seq === undefined ? yield* catalog.keptByLanguage : []
    const fieldTotals = seq === undefined ? yield* Effect.forEach(recordFields.filter((f) => f.total), (f) => Effect.map(catalog.annotationTotalsByLanguage(f.name), (rows) => ({ name: f.name, rows }))) : []
    const qualityByLanguage = yield* catalog.exclusionsByLanguage("quality")
    const byStage: Record<string, { kept: number; excluded: number }> = {}
    let keptTotal = 0
    let excludedTotal = 0
    for (const r of stages) {
      const s = (byStage[r.stage] ??= { kept: 0, excluded: 0 })
      if (r.status === "kept") {
        s.kept += r.n
        keptTotal += r.n
      } else {
        s.excluded += r.n
        excludedTotal += r.n
      }
    }
    return {
      batches: batches.map(batchSummary),
      documents: { kept: keptTotal, excluded: excludedTotal },
      by_stage: byStage,
      excluded: Object.fromEntries(excluded.map((r) => [r.code, r.n])),
      excluded_at: excluded.map((r) => ({ stage: r.stage, code: r.code, documents: r.n })),
      flagged: Object.fromEntries(flagged.map((r) => [r.code, r.n])),
      quality_by_language: qualityByLanguage.map((r) => ({ code: r.code, lang: r.lang ?? "und", documents: r.n })),
      languages: Object.fromEntries(
        languages.map((l) => [
          l.lang,
          { documents: l.n, characters: l.chars, ...Object.fromEntries(fieldTotals.map((f) => [f.name, f.rows.find((r) => r.lang === l.lang)?.total ?? 0])) }
        ])
      )
    } satisfies StatusReport
  })

export const renderStatus = (r: StatusReport): string => {
  const parts = [
    table(
      ["batch", "title", "submitted", "files", "pending", "kept", "excluded"],
      r.batches.map((b) => [`${b.institution}/${b.id}`, (b.title ?? "").slice(0, 40), b.submitted.slice(0, 10), b.files, b.pending_files, b.kept, b.excluded])
    ),
    "",
    `documents: ${r.documents.kept} kept, ${r.documents.excluded} excluded`,
    "",
    r.excluded_at.length ? table(["stage", "excluded because", "documents"], r.excluded_at.map((e) => [e.stage, e.code, e.documents])) : "exclusions: none",
    "",
    Object.keys(r.flagged).length ? table(["flag", "documents"], Object.entries(r.flagged)) : "flags: none",
    ...(r.quality_by_language.length ? ["", table(["quality removal", "language", "documents"], r.quality_by_language.map((q) => [q.code, q.lang, q.documents]))] : [])
  ]
  if (Object.keys(r.languages).length) {
    const summed = recordFields.filter((f) => f.total).map((f) => f.name)
    parts.push("", table(["language", "kept", "characters", ...summed], Object.entries(r.languages).map(([l, t]) => [l, t.documents, t.characters, ...summed.map((n) => t[n] ?? 0)])))
  }
  return parts.join("\n")
}
