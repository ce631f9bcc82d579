declare module "franc-all/data.js" {
  export const data: Record<string, Record<string, string>>
}
declare module "franc-all/expressions.js" {
  export const expressions: Record<string, RegExp>
}
