"""The AU task's benchmark folder, written by ``cmedbench au splits`` from the sample table.

```
au_splits/
  manifest.json                    format, dataset fingerprint, seed, min_samples, kept AUs and their
                                   counts, hashes of every file below (byte-reproducible)
  samples.csv                      sample_id, subject, path         (what to predict)
  folds/au-detection/<protocol>.csv sample_id, subject, fold        (the published fold map)
  truth.csv                        sample_id, subject, AU<n>...     (0/1 answer key, used by the scorer)
```

A folder of its own beside ``cmedbench splits``' one, built the same way (pure ``build_au_splits``,
written all at once, read back with bounds and hash checks), so the classification folder's format
does not change. The fold-map hash goes into every AU record, as for the other tasks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .au_task import AU_TASK, AUTask, NoActionUnits, au_column, au_truth, get_au_task
from .protocols import PROTOCOLS
from .splits import (
    SplitsError,
    _csv_bytes,
    _csv_rows,
    _read,
    fold_map_files,
    write_folder,
)

FORMAT = "cmedbench-au-splits-v1"


class AUTaskUnavailable(SplitsError):
    """The AU benchmark folder was written from a release that codes no usable action units."""


def build_au_splits(table, fingerprint: str, seed: int = 0, min_samples: int | None = None,
                    task: AUTask | None = None) -> dict[str, bytes]:
    """All files of an AU benchmark folder, as bytes keyed by relative path (pure). A release that codes
    no usable AUs gets a folder with only a manifest that says why (so a pipeline on CMED still runs)."""
    task = task or get_au_task(AU_TASK)
    try:
        truth = au_truth(table, task, min_samples)
    except NoActionUnits as exc:
        manifest = {"format": FORMAT, "task": task.name, "dataset_fingerprint": fingerprint, "unavailable": str(exc)}
        return {"manifest.json": (json.dumps(manifest, indent=2) + "\n").encode()}
    path_of = dict(zip(table["sample_id"].astype(str), table["path"].astype("string").fillna("")))
    ids, subjects = truth.sample_ids, truth.subjects
    cols = [au_column(a) for a in truth.aus]
    files = {
        "samples.csv": _csv_bytes(["sample_id", "subject", "path"], zip(ids, subjects, (path_of[i] for i in ids))),
        "truth.csv": _csv_bytes(["sample_id", "subject"] + cols,
                                ([i, s, *map(str, row)] for i, s, row in zip(ids, subjects, truth.y.tolist()))),
    }
    manifest: dict = {"format": FORMAT, "task": task.name, "dataset_fingerprint": fingerprint, "seed": seed,
                      "min_samples": task.min_samples if min_samples is None else int(min_samples),
                      "n_samples": len(ids), "aus": cols,
                      "au_counts": {au_column(a): n for a, n in truth.counts.items()}, "protocols": {}}
    fold_files, manifest["protocols"] = fold_map_files(task.name, ids, subjects, PROTOCOLS, seed,
                                                       ["sample_id", "subject", "fold"], "n_samples")
    files.update(fold_files)
    manifest["files"] = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files


def write_au_splits(samples: str | Path, out: str | Path, seed: int = 0, min_samples: int | None = None,
                    force: bool = False) -> dict:
    """Write the AU benchmark folder of the sample table file ``samples``; returns its manifest."""
    from ..release.fingerprint import dataset_fingerprint
    from ..release.sample_table import read_sample_table, require_videos

    table = require_videos(read_sample_table(samples), samples)
    files = build_au_splits(table, dataset_fingerprint(table), seed, min_samples)
    write_folder(files, out, force)
    return json.loads(files["manifest.json"])


@dataclass(frozen=True)
class AUBenchmark:
    """One protocol of an AU benchmark folder, ready to score: arrays aligned by sample (sorted ids)."""

    task: str
    protocol: str
    dataset_fingerprint: str
    fold_map_sha256: str
    sample_ids: np.ndarray
    subjects: np.ndarray
    folds: np.ndarray
    aus: tuple[str, ...]  # AU<n> column names
    y_true: np.ndarray  # n x n_aus, 0/1
    root: str

    def index_of(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.sample_ids.tolist())}


def load_au_benchmark(root: str | Path, protocol: str = "loso") -> AUBenchmark:
    """Read and integrity-check one protocol of an AU benchmark folder; SplitsError when it cannot."""
    root = Path(root)
    if not (root / "manifest.json").exists():
        raise SplitsError(f"{root} is not an AU benchmark folder (no manifest.json); write it with `cmedbench au "
                          "splits` first")
    try:
        manifest = json.loads(_read(root, "manifest.json").decode("utf-8"))
        fmt = manifest.get("format")
    except (UnicodeDecodeError, ValueError, AttributeError):
        raise SplitsError(f"{root}/manifest.json is not an AU benchmark manifest") from None
    if fmt != FORMAT:
        raise SplitsError(f"{root}/manifest.json: format {str(fmt)[:40]!r} is not {FORMAT!r}")
    if "unavailable" in manifest:
        raise AUTaskUnavailable(f"the AU task is unavailable on this release: {manifest['unavailable']}")
    try:
        entry = manifest["protocols"].get(protocol)
        if entry is None:
            raise SplitsError(f"unknown protocol {protocol!r}; known: {', '.join(manifest['protocols'])}")
        if "unavailable" in entry:
            raise SplitsError(f"{manifest['task']}/{protocol}: {entry['unavailable']}")
        fold_file, fold_sha = str(entry["file"]), str(entry["sha256"])
        aus = tuple(str(a) for a in manifest["aus"])
        hashes = {rel: manifest["files"][rel] for rel in (fold_file, "truth.csv")}
        task = str(manifest["task"])
    except (KeyError, TypeError, AttributeError):
        raise SplitsError(f"{root}/manifest.json is not an AU benchmark manifest") from None
    if fold_file.startswith(("/", "..")) or ".." in Path(fold_file).parts:
        raise SplitsError(f"{root}/manifest.json names a fold file outside the folder: {fold_file[:80]!r}")
    data = {rel: _read(root, rel) for rel in (fold_file, "truth.csv")}
    for rel, blob in data.items():
        if hashlib.sha256(blob).hexdigest() != hashes[rel]:
            raise SplitsError(f"{root / rel} does not match the hash in manifest.json (edited after `au splits`?)")
    fold_rows = _csv_rows(root, fold_file, data[fold_file], 3)
    truth_rows = _csv_rows(root, "truth.csv", data["truth.csv"], 2 + len(aus))
    y_of = {r[0]: [int(v) for v in r[2:]] for r in truth_rows}
    ids = [r[0] for r in fold_rows]
    if set(ids) != set(y_of):
        raise SplitsError(f"{root}: the fold map and the answer key name different samples")
    return AUBenchmark(task, protocol, str(manifest.get("dataset_fingerprint")), fold_sha,
                       np.array(ids, dtype=object), np.array([r[1] for r in fold_rows], dtype=object),
                       np.array([r[2] for r in fold_rows], dtype=object), aus,
                       np.array([y_of[i] for i in ids], dtype=np.int8).reshape(len(ids), len(aus)), str(root))
