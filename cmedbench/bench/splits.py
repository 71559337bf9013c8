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

from .protocols import assign_folds, protocols_for
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


def fold_map_files(task: str, ids: list[str], groups: list[str], protocols, seed: int,
                   header: list[str], count_key: str) -> tuple[dict[str, bytes], dict]:
    """The fold-map files ``folds/<task>/<protocol>.csv`` of one task and their manifest entries.

    Every benchmark folder (emotion, AU, spotting) publishes its folds this way: one CSV per protocol
    (``header`` names the id, group and fold columns), hashed in the entry; a protocol the groups
    cannot support gets ``{"unavailable": why}`` instead. ``count_key`` names the row count.
    """
    files: dict[str, bytes] = {}
    entries: dict = {}
    for protocol in protocols:
        try:
            folds = assign_folds(groups, protocol, seed)
        except ValueError as exc:
            entries[protocol] = {"unavailable": str(exc)}
            continue
        rel = f"folds/{task}/{protocol}.csv"
        files[rel] = _csv_bytes(header, zip(ids, groups, folds))
        entries[protocol] = {"file": rel, "sha256": hashlib.sha256(files[rel]).hexdigest(),
                             count_key: len(ids), "n_folds": len(set(folds.tolist()))}
    return files, entries


def write_folder(files: dict[str, bytes], out: str | Path, force: bool = False) -> None:
    """Write a benchmark folder's files (relative path -> bytes) to ``out`` all at once (staged)."""
    from ..atomic import staged_dir

    with staged_dir(out, force=force) as tmp:
        for rel, data in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)


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
        fold_files, entries = fold_map_files(task.name, t_ids, t_subjects, protocols_for(t_subjects), seed,
                                             ["sample_id", "subject", "fold"], "n_samples")
        files.update(fold_files)
        entry = {"labels": list(task.labels), "excluded": list(task.excluded), "protocols": entries}
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
    from ..release.sample_table import check_sample_table, require_videos

    table = require_videos(check_sample_table(table))
    write_folder(build_splits(table, fingerprint, seed), out, force)
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


MAX_SPLITS_FILE = 256 << 20  # a CMED answer key is ~0.5 MB


def _read(root: Path, rel: str) -> bytes:
    from ..bounded import InputRefused, read_bounded

    if rel == "manifest.json" and not (root / rel).exists():
        raise SplitsError(f"{root} is not a benchmark folder (no manifest.json); run `cmedbench splits` first")
    try:
        return read_bounded(root / rel, MAX_SPLITS_FILE)
    except InputRefused as exc:
        raise SplitsError(f"{root / rel}: {exc.reason}") from None


def _csv_rows(root: Path, rel: str, data: bytes, width: int) -> list[list[str]]:
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SplitsError(f"{root / rel} is not a UTF-8 CSV file ({exc})") from None
    if any(len(r) != width for r in rows):
        raise SplitsError(f"{root / rel}: every row must have {width} fields")
    return rows


def load_benchmark(root: str | Path, task_name: str, protocol: str) -> Benchmark:
    """Read and integrity-check one task/protocol of a benchmark folder (every file read with a bound)."""
    root = Path(root)
    task = get_task(task_name)
    manifest_bytes = _read(root, "manifest.json")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        entry = manifest["tasks"].get(task.name) if manifest.get("format") == FORMAT else None
    except (UnicodeDecodeError, ValueError, AttributeError, KeyError, TypeError):
        raise SplitsError(f"{root}/manifest.json is not a benchmark manifest") from None
    if manifest.get("format") != FORMAT:
        raise SplitsError(f"{root}/manifest.json: unknown format {str(manifest.get('format'))[:40]!r}")
    if entry is None:
        raise SplitsError(f"{root}: task {task.name!r} is not in this benchmark folder")
    try:
        if protocol not in entry["protocols"]:
            raise SplitsError(f"unknown protocol {protocol!r}; known: {', '.join(entry['protocols'])}")
        p = entry["protocols"][protocol]
        if "unavailable" in p:
            raise SplitsError(f"{task.name}/{protocol}: {p['unavailable']}")
        fold_file, fold_sha = str(p["file"]), p["sha256"]
        hashes = {rel: manifest["files"][rel] for rel in (fold_file, "truth.csv")}
    except (KeyError, TypeError):
        raise SplitsError(f"{root}/manifest.json is not a benchmark manifest") from None
    if fold_file.startswith(("/", "..")) or ".." in Path(fold_file).parts:
        raise SplitsError(f"{root}/manifest.json names a fold file outside the folder: {fold_file[:80]!r}")
    fold_bytes = _read(root, fold_file)
    truth_bytes = _read(root, "truth.csv")
    for rel, data in ((fold_file, fold_bytes), ("truth.csv", truth_bytes)):
        if hashlib.sha256(data).hexdigest() != hashes[rel]:
            raise SplitsError(f"{root / rel} does not match the hash in manifest.json (edited after `splits`?)")
    fold_rows = _csv_rows(root, fold_file, fold_bytes, 3)
    emotion_of = {r[0]: r[2] for r in _csv_rows(root, "truth.csv", truth_bytes, 3)}
    code = {label: i for i, label in enumerate(task.labels)}
    ids = np.array([r[0] for r in fold_rows], dtype=object)
    try:
        y = np.array([code[task.label_of(emotion_of[i])] for i in ids.tolist()], dtype=np.int64)
    except KeyError as exc:
        raise SplitsError(f"{root}: the answer key has no usable label for sample {exc.args[0]!r}") from None
    return Benchmark(task, protocol, str(manifest.get("dataset_fingerprint")), fold_sha, ids,
                     np.array([r[1] for r in fold_rows], dtype=object), np.array([r[2] for r in fold_rows], dtype=object),
                     y, str(root))
