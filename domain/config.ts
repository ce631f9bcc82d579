import { Config } from "effect"

/** A whole-number setting with a default, checked against its range with a message naming both. */
export const integerSetting = (name: string, fallback: number, range: { readonly min: number; readonly max?: number }, description: string) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({
      message: range.max === undefined ? `${name} must be ${range.min} or more` : `${name} must be between ${range.min} and ${range.max}`,
      validation: (n) => n >= range.min && (range.max === undefined || n <= range.max)
    }),
    Config.withDescription(description)
  )

/** A comma-separated list setting with a default. */
export const listSetting = (name: string, fallback: string, description: string) =>
  Config.string(name).pipe(
    Config.withDefault(fallback),
    Config.withDescription(description),
    Config.map((s) => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0))
  )

/** A fraction setting in (min, max], checked with a message naming the range. */
export const fractionSetting = (name: string, fallback: number, range: { readonly above: number; readonly atMost: number }, description: string) =>
  Config.number(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be above ${range.above} and at most ${range.atMost}`, validation: (n) => n > range.above && n <= range.atMost }),
    Config.withDescription(description)
  )
