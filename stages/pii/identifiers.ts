/**
 * Check digits of the national identifiers of the region. A number that fails its check digit is
 * not an identifier and is left alone.
 */

const digits = (s: string) => s.replace(/\D/g, "")

/** Chile RUT/RUN: modulo 11 with weights 2..7 from the right; 10 is K, 11 is 0. */
export const validRut = (value: string): boolean => {
  const m = /^(\d{1,2}\.?\d{3}\.?\d{3})-?([\dkK])$/.exec(value.trim())
  if (!m) return false
  const body = digits(m[1]!)
  let sum = 0
  let weight = 2
  for (let i = body.length - 1; i >= 0; i--) {
    sum += Number(body[i]) * weight
    weight = weight === 7 ? 2 : weight + 1
  }
  const r = 11 - (sum % 11)
  const expected = r === 11 ? "0" : r === 10 ? "K" : String(r)
  return expected === m[2]!.toUpperCase()
}

/** Brazil CPF: two modulo-11 check digits; sequences of one repeated digit are invalid. */
export const validCpf = (value: string): boolean => {
  const d = digits(value)
  if (d.length !== 11 || /^(\d)\1{10}$/.test(d)) return false
  const check = (length: number) => {
    let sum = 0
    for (let i = 0; i < length; i++) sum += Number(d[i]) * (length + 1 - i)
    const r = (sum * 10) % 11
    return r === 10 ? 0 : r
  }
  return check(9) === Number(d[9]) && check(10) === Number(d[10])
}

/** Brazil CNPJ: two modulo-11 check digits with weights 5..2,9..2 and 6..2,9..2. */
export const validCnpj = (value: string): boolean => {
  const d = digits(value)
  if (d.length !== 14 || /^(\d)\1{13}$/.test(d)) return false
  const check = (length: number) => {
    const weights = length === 12 ? [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] : [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    let sum = 0
    for (let i = 0; i < length; i++) sum += Number(d[i]) * weights[i]!
    const r = sum % 11
    return r < 2 ? 0 : 11 - r
  }
  return check(12) === Number(d[12]) && check(13) === Number(d[13])
}

/** Argentina CUIL/CUIT: modulo 11 with weights 5,4,3,2,7,6,5,4,3,2. */
export const validCuit = (value: string): boolean => {
  const d = digits(value)
  if (d.length !== 11) return false
  const weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
  let sum = 0
  for (let i = 0; i < 10; i++) sum += Number(d[i]) * weights[i]!
  const r = 11 - (sum % 11)
  const expected = r === 11 ? 0 : r === 10 ? 9 : r
  return expected === Number(d[10])
}

const CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"

/** Mexico CURP: structure, then the check digit over the first 17 characters. */
export const validCurp = (value: string): boolean => {
  const v = value.toUpperCase()
  if (!/^[A-Z][AEIOUX][A-Z]{2}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[HMX](AS|B[CS]|C[CLMSH]|D[FG]|G[TR]|HG|JC|M[CNS]|N[ETL]|OC|PL|Q[TR]|S[PLR]|T[CSL]|VZ|YN|ZS|NE)[B-DF-HJ-NP-TV-Z]{3}[A-Z\d]\d$/.test(v)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CURP_ALPHABET.indexOf(v[i]!) * (18 - i)
  return (10 - (sum % 10)) % 10 === Number(v[17])
}
