import { readFileSync } from "node:fs"
import { relative } from "node:path"
import { projectRoot } from "../../domain/project-root.ts"
import { sha256Hex } from "../../domain/hashing.ts"
import { decodeText } from "../ingest/encoding.ts"
import type { LanguageProfile } from "./profile.ts"
import { trainTrigrams } from "./profile.ts"
import { ProfileScorer } from "./scorer.ts"

export interface TrainingFile {
  readonly file: string
  readonly lines: ReadonlyArray<string>
  readonly sha256: string
}

/** A training file read with acervo's own decoding (UTF-8, UTF-16 or Latin-1), one segment a line. */
export const readTrainingFile = (file: string): TrainingFile => {
  const bytes = readFileSync(file)
  const decoded = decodeText(bytes)
  if (decoded._tag !== "Decoded") throw new Error(`${file}: not decodable text (${decoded.invalidSequences} invalid UTF-8 sequences); give UTF-8, UTF-16 or Latin-1 text, one segment a line`)
  const rel = relative(projectRoot, file)
  return {
    file: rel.startsWith("..") ? file : rel,
    lines: decoded.text.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l.length > 0),
    sha256: sha256Hex(bytes)
  }
}

export const buildProfile = (lang: string, files: ReadonlyArray<TrainingFile>, license: string, attribution: string): LanguageProfile => {
  const trigrams = trainTrigrams(files)
  if (trigrams.length < 50) throw new Error(`too little text for ${lang}: ${trigrams.length} distinct trigrams; give at least a few pages of reference text`)
  return {
    format: "acervo-langid-profile/1",
    lang,
    trigrams: trigrams.join("|"),
    sources: files.map((f) => ({ file: f.file, sha256: f.sha256, characters: f.lines.reduce((n, l) => n + l.length, 0) })),
    license,
    attribution
  }
}

export interface Calibration {
  readonly thresholds: Record<string, number>
  /** Out-of-fold segments per language used to set the thresholds. */
  readonly segments: Record<string, number>
}

/**
 * Per-language confidence thresholds, learnt the way FineWeb-2 learnt its per-language LID
 * thresholds: from how confident the identifier actually is on each language, not one cut-off for
 * all (low-resource languages score lower). Each language's training lines are split in two folds;
 * profiles built on one fold score the other, so every confidence is out of sample. A language's
 * threshold is the lowest confidence at which its labels reach `targetPrecision`, with every true
 * language weighing the same (so the 40 UDHR paragraphs of a confuser count as much as 20,000
 * transcript turns). Segments of `minChars` or fewer are left out: too short to tell anything.
 */
export const calibrate = (
  training: ReadonlyMap<string, ReadonlyArray<TrainingFile>>,
  targetPrecision = 0.99,
  minChars = 20
): Calibration => {
  const langs = [...training.keys()].sort()
  const observations: Array<{ truth: string; pred: string; confidence: number }> = []
  for (const fold of [0, 1]) {
    const inFold = (i: number) => i % 2 === fold
    const profiles = langs.map((lang) =>
      buildProfile(lang, training.get(lang)!.map((f) => ({ ...f, lines: f.lines.filter((_, i) => !inFold(i)) })), "", "")
    )
    const scorer = new ProfileScorer(profiles)
    for (const lang of langs) {
      for (const f of training.get(lang)!) {
        f.lines.forEach((line, i) => {
          if (!inFold(i) || line.length <= minChars) return
          const s = scorer.score(line)
          if (s.lang !== "und") observations.push({ truth: lang, pred: s.lang, confidence: s.confidence })
        })
      }
    }
  }
  const perTruth = new Map<string, number>()
  for (const o of observations) perTruth.set(o.truth, (perTruth.get(o.truth) ?? 0) + 1)
  const thresholds: Record<string, number> = {}
  for (const lang of langs) {
    const labelled = observations.filter((o) => o.pred === lang).sort((a, b) => b.confidence - a.confidence)
    let right = 0
    let all = 0
    let threshold = 1
    for (const o of labelled) {
      const w = 1 / perTruth.get(o.truth)!
      all += w
      if (o.truth === lang) right += w
      if (right / all >= targetPrecision) threshold = o.confidence
    }
    thresholds[lang] = Math.round(threshold * 1000) / 1000
  }
  return { thresholds, segments: Object.fromEntries(langs.map((l) => [l, perTruth.get(l) ?? 0])) }
}
