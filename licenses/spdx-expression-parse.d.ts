declare module "spdx-expression-parse" {
  export type SpdxNode =
    | { readonly license: string; readonly plus?: true; readonly exception?: string }
    | { readonly left: SpdxNode; readonly conjunction: "and" | "or"; readonly right: SpdxNode }
  const parse: (expression: string) => SpdxNode
  export default parse
}
