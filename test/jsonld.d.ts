declare module "jsonld" {
  const jsonld: { expand(document: unknown): Promise<Array<Record<string, Array<Record<string, unknown>>>>> }
  export default jsonld
}
