"""The benchmark folder written by ``cmedbench splits``: what a participant gets and what the scorer uses.

```
splits/
  manifest.json                  dataset fingerprint, seed, hashes of every file below (byte-reproducible)
  samples.csv                    sample_id, subject, path          (no labels: what to predict)
  folds/<task>/<protocol>.csv    sample_id, subject, fold          (the published fold map)
  truth.csv                      sample_id, subject, emotion       (the answer key, used by the scorer)
```

The fold-map hash (sha256 of the fold file) goes into every leaderboard record, so two results are
comparable only when they were scored on the same folds. The folder is built from the sample table
that `validate` wrote (``write_benchmark``), never from the release itself; loading uses only ``csv``
and numpy.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .protocols import PROTOCOLS, assign_folds
from .tasks import Task, get_task, tasks

FORMAT = "cmedbench-splits-v1"


class SplitsError(ValueError):
    """A benchmark folder that is missing, edited after writing, or lacks the task/protocol asked for."""


def _csv_bytes(header: list[str], rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def build_splits(table, fingerprint: str, seed: int = 0) -> dict[str, bytes]:
    """All files of a benchmark folder, as bytes keyed by relative path (pure: no I/O, no clock)."""
    table = table.sort_values("sample_id")
    ids = table["sample_id"].astype(str).tolist()
    subjects = table["subject"].astype(str).tolist()
    emotions = table["emotion"].astype(str).tolist()
    paths = table["path"].astype("string").fillna("").tolist() if "path" in table.columns else [""] * len(ids)
    files = {
        "samples.csv": _csv_bytes(["sample_id", "subject", "path"], zip(ids, subjects, paths)),
        "truth.csv": _csv_bytes(["sample_id", "subject", "emotion"], zip(ids, subjects, emotions)),
    }
    manifest: dict = {"format": FORMAT, "dataset_fingerprint": fingerprint, "seed": seed, "n_samples": len(ids),
                      "tasks": {}}
    for task in tasks().values():
        keep = [i for i, e in enumerate(emotions) if task.label_of(e) is not None]
        t_ids = [ids[i] for i in keep]
        t_subjects = [subjects[i] for i in keep]
        entry = {"labels": list(task.labels), "excluded": list(task.excluded), "protocols": {}}
        for protocol in PROTOCOLS:
            try:
                folds = assign_folds(t_subjects, protocol, seed)
            except ValueError as exc:
                entry["protocols"][protocol] = {"unavailable": str(exc)}
                continue
            rel = f"folds/{task.name}/{protocol}.csv"
            data = _csv_bytes(["sample_id", "subject", "fold"], zip(t_ids, t_subjects, folds))
            files[rel] = data
            entry["protocols"][protocol] = {"file": rel, "sha256": hashlib.sha256(data).hexdigest(),
                                            "n_samples": len(t_ids), "n_folds": len(set(folds.tolist()))}
        manifest["tasks"][task.name] = entry
    manifest["files"] = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files


def write_benchmark(table, fingerprint: str, out: str | Path, seed: int = 0, force: bool = False) -> Path:
    """Write the benchmark folder of a sample table to ``out``, all at once (a temp sibling swapped in).

    Refuses a table that breaks the sample-table model (``SampleTableError``), one written without
    the videos (``MetadataOnlyTable``: its fingerprint would not pin the clips' content) and an
    occupied ``out`` without ``force`` (``OutputExists``).
    """
    from ..atomic import staged_dir
    from ..release.sample_table import check_sample_table, require_videos

    table = require_videos(check_sample_table(table))
    files = build_splits(table, fingerprint, seed)
    with staged_dir(out, force=force) as tmp:
        for rel, data in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
    return Path(out)


def write_benchmark_from_samples(samples: str | Path, out: str | Path, seed: int = 0,
                                 force: bool = False) -> tuple[int, str]:
    """``write_benchmark`` for the sample table file ``samples``; (number of samples, dataset fingerprint)."""
    from ..release.fingerprint import dataset_fingerprint
    from ..release.sample_table import read_sample_table, require_videos

    table = require_videos(read_sample_table(samples), samples)
    fingerprint = dataset_fingerprint(table)
    write_benchmark(table, fingerprint, out, seed, force)
    return len(table), fingerprint


@dataclass(frozen=True)
class Benchmark:
    """One (task, protocol) of a benchmark folder, ready to score: arrays aligned by sample."""

    task: Task
    protocol: str
    dataset_fingerprint: str
    fold_map_sha256: str
    sample_ids: np.ndarray  # str, sorted
    subjects: np.ndarray
    folds: np.ndarray
    y_true: np.ndarray  # int codes into task.labels
    root: str

    def index_of(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.sample_ids.tolist())}


def load_benchmark(root: str | Path, task_name: str, protocol: str) -> Benchmark:
    """Read and integrity-check one task/protocol of a benchmark folder."""
    root = Path(root)
    task = get_task(task_name)
    try:
        manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    except FileNotFoundError:
        raise SplitsError(f"{root} is not a benchmark folder (no manifest.json); run `cmedbench splits` first") from None
    if manifest.get("format") != FORMAT:
        raise SplitsError(f"{root}/manifest.json: unknown format {manifest.get('format')!r}")
    entry = manifest["tasks"].get(task.name)
    if entry is None:
        raise SplitsError(f"{root}: task {task.name!r} is not in this benchmark folder")
    if protocol not in entry["protocols"]:
        raise SplitsError(f"unknown protocol {protocol!r}; known: {', '.join(entry['protocols'])}")
    p = entry["protocols"][protocol]
    if "unavailable" in p:
        raise SplitsError(f"{task.name}/{protocol}: {p['unavailable']}")
    fold_bytes = (root / p["file"]).read_bytes()
    truth_bytes = (root / "truth.csv").read_bytes()
    for rel, data in ((p["file"], fold_bytes), ("truth.csv", truth_bytes)):
        if hashlib.sha256(data).hexdigest() != manifest["files"][rel]:
            raise SplitsError(f"{root / rel} does not match the hash in manifest.json (edited after `splits`?)")
    fold_rows = list(csv.reader(io.StringIO(fold_bytes.decode("utf-8"))))[1:]
    emotion_of = {r[0]: r[2] for r in csv.reader(io.StringIO(truth_bytes.decode("utf-8")))}
    code = {label: i for i, label in enumerate(task.labels)}
    ids = np.array([r[0] for r in fold_rows], dtype=object)
    y = np.array([code[task.label_of(emotion_of[i])] for i in ids.tolist()], dtype=np.int64)
    return Benchmark(task, protocol, manifest["dataset_fingerprint"], p["sha256"], ids,
                     np.array([r[1] for r in fold_rows], dtype=object), np.array([r[2] for r in fold_rows], dtype=object),
                     y, str(root))
