"""Loads an acervo release with the Python clients that are installed and compares every record.

Usage: python load_release.py RELEASE_DIR. Prints one JSON object: for each client, the record ids
it read per configuration and the records whose values differ from the JSON-lines shards'.
"""
import glob
import gzip
import json
import os
import sys

release = sys.argv[1]
records = {}
for path in glob.glob(os.path.join(release, "shards", "*", "*", "*.jsonl.gz")):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            records[record["id"]] = record

out = {"records": len(records), "clients": {}}


def compare(rows):
    ids, differ = [], []
    for row in rows:
        ids.append(row["id"])
        if row != records.get(row["id"]):
            differ.append(row["id"])
    return {"ids": sorted(ids), "differ": differ}


try:
    import datasets

    datasets.disable_progress_bars()
    names = datasets.get_dataset_config_names(release)
    out["clients"]["datasets"] = {
        "version": datasets.__version__,
        "default": compare(datasets.load_dataset(release, split="train")),
        "configs": {name: compare(datasets.load_dataset(release, name, split="train")) for name in names},
    }
except ImportError as e:
    out["clients"]["datasets"] = {"missing": str(e)}

try:
    import pyarrow
    import pyarrow.dataset

    table = pyarrow.dataset.dataset(sorted(glob.glob(os.path.join(release, "shards", "*", "*", "*.parquet")))).to_table()
    out["clients"]["pyarrow"] = {"version": pyarrow.__version__, "all": compare(table.to_pylist())}
except ImportError as e:
    out["clients"]["pyarrow"] = {"missing": str(e)}

try:
    import mlcroissant

    dataset = mlcroissant.Dataset(jsonld=os.path.join(release, "croissant.json"))
    sets = {}
    for record_set in dataset.metadata.record_sets:
        rows = []
        for row in dataset.records(record_set=record_set.uuid):
            rows.append({k.split("/", 1)[-1]: v.decode() if isinstance(v, bytes) else v for k, v in row.items()})
        sets[record_set.name] = {"ids": sorted(r["id"] for r in rows)}
    out["clients"]["mlcroissant"] = {"version": getattr(mlcroissant, "__version__", "?"), "record_sets": sets}
except ImportError as e:
    out["clients"]["mlcroissant"] = {"missing": str(e)}

print(json.dumps(out))
