import { Schema } from "effect"

/** What a bearer token of the intake server lets its holder do: partners send and withdraw their own batches, auditors read everything, operators do both. */
export const Role = Schema.Literal("partner", "auditor", "operator")
export type Role = typeof Role.Type
