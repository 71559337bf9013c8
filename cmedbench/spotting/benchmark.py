"""The interval benchmark folder: what a participant gets and what the scorer uses, hashed like the
clip benchmark (``bench/splits.py``).

```
spotting-bench/
  manifest.json                  dataset fingerprint, per task and protocol the fold file's sha256, every file's hash
  videos.csv                     video_id, participant, path, n_frames, fps        (what to spot in)
  folds/<task>/<protocol>.csv    video_id, participant, fold                        (published fold map)
  truth.csv                      video_id, onset, apex, offset, class, type         (the answer key)
```
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..bench.protocols import PROTOCOLS
from ..bench.splits import _csv_bytes, fold_map_files, write_folder
from ..bounded import InputRefused, read_bounded
from .tasks import SPOTTING_TASKS, SpottingTask, get_spotting_task

FORMAT = "cmedbench-spotting-bench-v1"
MAX_FILE = 64 << 20


class SpottingBenchError(ValueError):
    """A benchmark folder that is missing, edited after writing, or lacks the task/protocol asked for."""


def _rows(data: bytes, where: str) -> list[dict]:
    try:
        return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SpottingBenchError(f"{where}: not a UTF-8 CSV file ({exc})") from None


def _read(path: Path) -> bytes:
    try:
        return read_bounded(path, MAX_FILE)
    except InputRefused as exc:
        raise SpottingBenchError(f"{path}: {exc.reason}") from None


def release_fingerprint(videos_csv: bytes, events_csv: bytes) -> str:
    """sha256 of the release's two tables (their videos are pinned by videos.csv's frame counts and ids)."""
    return hashlib.sha256(b"cmedbench-long-videos-v1\n" + videos_csv + b"\n" + events_csv).hexdigest()


def build_spotting_bench(videos_csv: bytes, events_csv: bytes, seed: int = 0) -> dict[str, bytes]:
    """Every file of the folder as bytes keyed by relative path (pure)."""
    videos = sorted(_rows(videos_csv, "videos.csv"), key=lambda r: r["video_id"])
    events = sorted(_rows(events_csv, "events.csv"), key=lambda r: (r["video_id"], int(r["onset"]), int(r["offset"])))
    known = {v["video_id"] for v in videos}
    stray = sorted({e["video_id"] for e in events} - known)
    if stray:
        raise SpottingBenchError(f"events.csv names videos not in videos.csv: {', '.join(stray[:5])}")
    ids = [v["video_id"] for v in videos]
    participants = [v["participant"] for v in videos]
    files = {
        "videos.csv": _csv_bytes(["video_id", "participant", "path", "n_frames", "fps"],
                                 [(v["video_id"], v["participant"], v["path"], v["n_frames"], v["fps"]) for v in videos]),
        "truth.csv": _csv_bytes(["video_id", "onset", "apex", "offset", "class", "type"],
                                [(e["video_id"], e["onset"], e["apex"], e["offset"], e["class"], e["type"])
                                 for e in events]),
    }
    manifest = {"format": FORMAT, "dataset_fingerprint": release_fingerprint(videos_csv, events_csv), "seed": seed,
                "n_videos": len(ids), "n_events": len(events), "tasks": {}}
    for task in SPOTTING_TASKS.values():
        fold_files, entries = fold_map_files(task.name, ids, participants, PROTOCOLS, seed,
                                             ["video_id", "participant", "fold"], "n_videos")
        files.update(fold_files)
        manifest["tasks"][task.name] = {"labels": list(task.labels), "protocols": entries}
    manifest["files"] = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    files["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return files


def write_spotting_bench(release: Path, out: Path, seed: int = 0, force: bool = False) -> dict:
    """The benchmark folder of a long-video release; returns its manifest."""
    release = Path(release)
    files = build_spotting_bench(_read(release / "videos.csv"), _read(release / "events.csv"), seed)
    write_folder(files, out, force)
    return json.loads(files["manifest.json"])


@dataclass(frozen=True)
class SpottingBench:
    """One (task, protocol) of a benchmark folder, ready to score: videos and truths as arrays."""

    task: SpottingTask
    protocol: str
    dataset_fingerprint: str
    fold_map_sha256: str
    video_ids: np.ndarray  # str, sorted
    participants: np.ndarray
    folds: np.ndarray
    n_frames: np.ndarray
    fps: np.ndarray
    truth: dict  # video (int code), onset, offset, apex, label, type: arrays
    root: str

    def index_of(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.video_ids.tolist())}


def load_spotting_bench(root: str | Path, task_name: str, protocol: str = "loso") -> SpottingBench:
    """Read and integrity-check one task/protocol of a benchmark folder."""
    root = Path(root)
    task = get_spotting_task(task_name)
    if not (root / "manifest.json").exists():
        raise SpottingBenchError(f"{root} is not an interval benchmark folder (no manifest.json)")
    try:
        manifest = json.loads(_read(root / "manifest.json").decode("utf-8"))
        if manifest.get("format") != FORMAT:
            raise SpottingBenchError(f"{root}/manifest.json: not a {FORMAT} manifest")
        entry = manifest["tasks"][task.name]["protocols"]
        if protocol not in entry:
            raise SpottingBenchError(f"unknown protocol {protocol!r}; known: {', '.join(entry)}")
        if "unavailable" in entry[protocol]:
            raise SpottingBenchError(f"{task.name}/{protocol}: {entry[protocol]['unavailable']}")
        fold_file, fold_sha = entry[protocol]["file"], entry[protocol]["sha256"]
        hashes = manifest["files"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, SpottingBenchError):
            raise
        raise SpottingBenchError(f"{root}/manifest.json is not an interval benchmark manifest") from None
    data = {}
    for rel in (fold_file, "videos.csv", "truth.csv"):
        if ".." in Path(rel).parts or rel.startswith("/"):
            raise SpottingBenchError(f"{root}/manifest.json names a file outside the folder: {rel[:80]!r}")
        data[rel] = _read(root / rel)
        if hashlib.sha256(data[rel]).hexdigest() != hashes.get(rel):
            raise SpottingBenchError(f"{root / rel} does not match the hash in manifest.json (edited after writing?)")
    folds = _rows(data[fold_file], fold_file)
    videos = {v["video_id"]: v for v in _rows(data["videos.csv"], "videos.csv")}
    ids = np.array([r["video_id"] for r in folds], dtype=object)
    code = {v: i for i, v in enumerate(ids.tolist())}
    keep = [e for e in _rows(data["truth.csv"], "truth.csv") if task.label_of(e["class"]) is not None]
    truth = {"video": np.array([code[e["video_id"]] for e in keep], np.int64),
             "onset": np.array([int(e["onset"]) for e in keep], np.int64),
             "offset": np.array([int(e["offset"]) for e in keep], np.int64),
             "apex": np.array([int(e["apex"]) if e["apex"] else -1 for e in keep], np.int64),
             "label": np.array([task.label_of(e["class"]) for e in keep], dtype=object),
             "type": np.array([e["type"] for e in keep], dtype=object)}
    truth["fps"] = np.array([float(videos[ids[v]]["fps"]) for v in truth["video"]], float)
    return SpottingBench(task, protocol, str(manifest["dataset_fingerprint"]), fold_sha, ids,
                         np.array([r["participant"] for r in folds], dtype=object),
                         np.array([r["fold"] for r in folds], dtype=object),
                         np.array([int(videos[v]["n_frames"]) for v in ids], np.int64),
                         np.array([float(videos[v]["fps"]) for v in ids], float), truth, str(root))
