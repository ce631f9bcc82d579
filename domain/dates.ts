/**
 * ISO 8601 dates as batch.json may write them, checked against the calendar: `Date` alone accepts
 * "2030-99-01" as an Invalid Date and "2023-02-30" as 2 March, which is how an impossible consent
 * expiry once read as "no expiry". Only the extended forms below are taken (no week or ordinal
 * dates, no basic form "20311231", no years before 0000 or after 9999):
 *
 * - a date: `YYYY-MM-DD`
 * - a date-time with its offset: `YYYY-MM-DDThh:mm[:ss[.fraction]]` then `Z` or `±hh:mm`
 *   (a time without an offset names no instant, so it is refused where an instant is needed)
 * - for a creation date only, also a year `YYYY` or a month `YYYY-MM`
 */

export type DateCheck = { readonly _tag: "Valid"; readonly epochMillis: number } | { readonly _tag: "Invalid"; readonly problem: string }

const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const daysInMonth = (year: number, month: number) => (month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31)

const invalid = (problem: string): DateCheck => ({ _tag: "Invalid", problem })

/** Which forms a field takes: an instant (`expires`) or a calendar date of any precision (`created`). */
export type DateForms = "date-or-date-time" | "year-month-or-date"

export const dateFormsDescription: Record<DateForms, string> = {
  "date-or-date-time": 'an ISO 8601 date "2031-12-31" or date-time with offset "2031-12-31T23:59:59Z"',
  "year-month-or-date": 'an ISO 8601 year "1998", month "1998-04" or date "1998-04-17"'
}

/**
 * Checks `text` against the calendar and the forms the field takes. A valid value comes with the
 * instant it starts at (UTC midnight for a date, the start of the year or month for the shorter
 * forms); an invalid one with what is wrong, phrased for the partner.
 */
export const checkIsoDate = (text: string, forms: DateForms): DateCheck => {
  const m = DATE_TIME.exec(text)
  const wanted = dateFormsDescription[forms]
  if (!m) return invalid(`"${text}" is not ${wanted}`)
  const [, y, mo, d, h, mi, s, fraction, offset] = m
  const year = Number(y)
  if (forms === "date-or-date-time" && d === undefined) return invalid(`"${text}" is not a full date: ${wanted}`)
  if (forms === "year-month-or-date" && h !== undefined) return invalid(`"${text}" has a time of day; a creation date is ${wanted}`)
  if (h !== undefined && offset === undefined) return invalid(`"${text}" has a time but no offset, so it names no instant: add "Z" (UTC) or "±hh:mm"`)
  const month = mo === undefined ? 1 : Number(mo)
  if (month < 1 || month > 12) return invalid(`"${text}" has month ${mo}; months are 01–12`)
  const day = d === undefined ? 1 : Number(d)
  const last = daysInMonth(year, month)
  if (day < 1 || day > last) {
    return invalid(
      month === 2 && day === 29
        ? `"${text}" does not exist: ${y} is not a leap year`
        : `"${text}" does not exist: month ${mo} of ${y} has ${last} days`
    )
  }
  const hour = h === undefined ? 0 : Number(h)
  const minute = mi === undefined ? 0 : Number(mi)
  const second = s === undefined ? 0 : Number(s)
  if (hour > 23 || minute > 59 || second > 59) return invalid(`"${text}" has no such time of day (hours 00–23, minutes and seconds 00–59)`)
  let offsetMinutes = 0
  if (offset !== undefined && offset !== "Z") {
    const oh = Number(offset.slice(1, 3))
    const om = Number(offset.slice(4, 6))
    if (oh > 23 || om > 59) return invalid(`"${text}" has no such offset ${offset} (hours 00–23, minutes 00–59)`)
    offsetMinutes = (offset[0] === "-" ? -1 : 1) * (oh * 60 + om)
  }
  const instant = new Date(0)
  // setUTCFullYear, not Date.UTC, which reads the years 0–99 as 1900–1999.
  instant.setUTCFullYear(year, month - 1, day)
  instant.setUTCHours(hour, minute, second, fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000))
  return { _tag: "Valid", epochMillis: instant.getTime() - offsetMinutes * 60_000 }
}
