import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { multilingualRelease } from "./release-fixture.ts"
import { cardConfigs } from "../../manifests/card.ts"
import { projectRoot } from "../helpers.ts"

// The Python clients users load releases with; a machine without them skips this file, saying so.
const python = process.env["ACERVO_PYTHON"] ?? "python3"
const probe = spawnSync(python, ["-c", "import datasets, pyarrow"], { encoding: "utf8" })
const available = probe.status === 0
if (!available) console.warn(`python-clients: skipped, ${python} cannot import datasets and pyarrow (set ACERVO_PYTHON to a Python that can)`)

interface Compared {
  readonly ids: ReadonlyArray<string>
  readonly differ: ReadonlyArray<string>
}

describe.skipIf(!available)("a release in Hugging Face datasets and pyarrow", () => {
  it("loads the release folder, each configuration and every Parquet shard, every record equal to its JSON line", async () => {
    const release = await multilingualRelease()
    const run = spawnSync(python, [join(projectRoot, "test", "manifests", "load_release.py"), release.dir], { encoding: "utf8", env: { ...process.env, HF_DATASETS_OFFLINE: "1", HF_HUB_OFFLINE: "1", HF_HOME: join(release.dir, "..", ".hf") } })
    expect(run.status, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as {
      records: number
      clients: { datasets: { default: Compared; configs: Record<string, Compared> }; pyarrow: { all: Compared }; mlcroissant: { missing?: string } }
    }
    expect(out.records).toBe(release.manifest.totals.documents)
    const { datasets, pyarrow } = out.clients
    expect(pyarrow.all.differ).toEqual([])
    expect(pyarrow.all.ids).toHaveLength(out.records)
    for (const config of cardConfigs(release.manifest)) {
      const loaded = datasets.configs[config.name]!
      expect(loaded.differ, config.name).toEqual([])
      expect(loaded.ids.length, config.name).toBe(config.shards.reduce((n, s) => n + s.documents, 0))
    }
    expect(datasets.default.ids).toEqual(datasets.configs["open"]!.ids)
    if (out.clients.mlcroissant.missing) console.warn(`python-clients: mlcroissant not checked (${out.clients.mlcroissant.missing})`)
  }, 300_000)
})
