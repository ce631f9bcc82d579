import { Option, Schema, SchemaAST as AST } from "effect"

/** A record field's type as every output describes it: JSON lines, Parquet, the dataset card, Croissant. */
export type ColumnType =
  | { readonly kind: "string" | "integer" | "float"; readonly nullable: boolean }
  | { readonly kind: "list"; readonly item: ColumnType }
  | { readonly kind: "struct"; readonly fields: ReadonlyArray<Column>; readonly nullable: boolean }

export interface Column {
  readonly name: string
  readonly description: string
  readonly type: ColumnType
}

const description = (ast: AST.AST): string => Option.getOrElse(AST.getDescriptionAnnotation(ast), () => "")

const isNull = (ast: AST.AST) => AST.isLiteral(ast) && ast.literal === null

const typeOf = (ast: AST.AST, nullable: boolean, where: string): ColumnType => {
  switch (ast._tag) {
    case "StringKeyword":
      return { kind: "string", nullable }
    case "NumberKeyword":
      return { kind: "float", nullable }
    case "Literal":
      if (typeof ast.literal === "string") return { kind: "string", nullable }
      break
    case "Refinement":
      if (ast.annotations[AST.SchemaIdAnnotationId] === Schema.IntSchemaId) return { kind: "integer", nullable }
      return typeOf(ast.from, nullable, where)
    case "Union": {
      const members = ast.types.filter((t) => !isNull(t))
      const orNull = nullable || members.length < ast.types.length
      if (members.length === 1) return typeOf(members[0]!, orNull, where)
      if (members.every((m) => AST.isLiteral(m) && typeof m.literal === "string")) return { kind: "string", nullable: orNull }
      break
    }
    case "TupleType":
      if (ast.elements.length === 0 && ast.rest.length === 1) return { kind: "list", item: typeOf(ast.rest[0]!.type, false, `${where}[]`) }
      break
    case "TypeLiteral":
      return { kind: "struct", fields: fieldsOf(ast, where), nullable }
  }
  throw new Error(`record field ${where} has a type no shard format can hold (${ast._tag})`)
}

const fieldsOf = (ast: AST.TypeLiteral, where: string): ReadonlyArray<Column> =>
  ast.propertySignatures.map((p) => ({ name: String(p.name), description: description(p.type), type: typeOf(p.type, false, where ? `${where}.${String(p.name)}` : String(p.name)) }))

/** The columns of a record schema (a Struct), in its field order. */
export const columnsOf = (schema: Schema.Schema.Any): ReadonlyArray<Column> => {
  const ast = schema.ast
  if (!AST.isTypeLiteral(ast)) throw new Error("a record schema is a Struct")
  return fieldsOf(ast, "")
}
