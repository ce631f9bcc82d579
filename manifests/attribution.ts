import { lookupLabel } from "../licenses/labels.ts"

export interface AttributionEntry {
  readonly institution: string
  readonly batch: string
  readonly license: string
  readonly labels: ReadonlyArray<string>
  readonly title: string | null
  readonly creators: ReadonlyArray<string>
}

/** Collects what ATTRIBUTION.md must name, grouped so that the file stays readable and deterministic. */
export class AttributionCollector {
  private readonly groups = new Map<string, { institution: string; batch: string; license: string; labels: Set<string>; works: Set<string>; records: number }>()

  add(e: AttributionEntry): void {
    const key = `${e.institution}\u0000${e.batch}\u0000${e.license}`
    let g = this.groups.get(key)
    if (!g) {
      g = { institution: e.institution, batch: e.batch, license: e.license, labels: new Set(), works: new Set(), records: 0 }
      this.groups.set(key, g)
    }
    g.records++
    for (const l of e.labels) if (lookupLabel(l)?.effect === "attribution") g.labels.add(lookupLabel(l)!.code)
    const work = [e.title, e.creators.length ? `by ${e.creators.join(", ")}` : ""].filter(Boolean).join(" ")
    if (work && g.works.size < 50) g.works.add(work)
  }

  render(release: string): string {
    const lines = [
      `# Attribution — release ${release}`,
      "",
      "Records in this release come from the partner institutions below, under the licences and",
      "Local Contexts labels named. Using the release means honouring each attribution.",
      ""
    ]
    const groups = [...this.groups.values()].sort((a, b) =>
      a.institution.localeCompare(b.institution) || a.batch.localeCompare(b.batch) || a.license.localeCompare(b.license)
    )
    for (const g of groups) {
      lines.push(`## ${g.institution} — batch ${g.batch}`, "", `- Licence: ${g.license}`, `- Records: ${g.records}`)
      if (g.labels.size > 0) lines.push(`- Local Contexts: ${[...g.labels].sort().map((c) => `${c} (${lookupLabel(c)!.name})`).join(", ")}`)
      const works = [...g.works].sort()
      if (works.length > 0) lines.push("- Works:", ...works.map((w) => `  - ${w}`))
      lines.push("")
    }
    if (groups.length === 0) lines.push("No record in this release requires attribution.", "")
    return lines.join("\n")
  }
}
