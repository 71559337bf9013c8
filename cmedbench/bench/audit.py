"""Re-scoring every record from its kept predictions and the answer key, so a forged score fails even
when the forger recomputed the record's id.

A record is re-scored with the benchmark folder (``cmedbench splits``) of its dataset: the stored
prediction file is unpacked, parsed by the same parser as any submission and scored with the same
bootstrap settings; the result must equal the stored one exactly (JSON floats round-trip).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..bounded import InputRefused, read_bounded
from ..problems import Problem
from .ledger import CHECK, BlobError, Stored, is_interval_record, read_blob

_BOOTSTRAP = re.compile(r"subject bootstrap, (\d{1,7}) resamples, seed (-?\d{1,12})\Z")
RESULT_KEYS_OUTSIDE = ("task", "protocol", "dataset_fingerprint", "fold_map_sha256", "prediction_sha256")


@dataclass
class Audit:
    problems: list[Problem] = field(default_factory=list)
    rescored: int = 0
    not_rescored: int = 0


def stored_result(result: dict) -> dict:
    """The part of an evaluator result that a record keeps under ``result``."""
    return {k: v for k, v in result.items() if k not in RESULT_KEYS_OUTSIDE}


def benchmark_folders(splits_dirs) -> tuple[dict[str, Path], list[Problem]]:
    """dataset fingerprint -> benchmark folder, for each folder whose manifest can be read."""
    found: dict[str, Path] = {}
    problems = []
    for folder in map(Path, splits_dirs):
        try:
            manifest = json.loads(read_bounded(folder / "manifest.json", 16 << 20).decode("utf-8"))
            fingerprint = manifest["dataset_fingerprint"]
        except (InputRefused, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            reason = exc.reason if isinstance(exc, InputRefused) else "not a benchmark manifest"
            problems.append(Problem(CHECK, "warning", f"benchmark folder not used: manifest.json {reason}",
                                    str(folder)))
            continue
        if isinstance(fingerprint, str):
            found.setdefault(fingerprint, folder)
    return found, problems


def first_difference(a, b, path: str = "result") -> str | None:
    """Where two JSON values first differ, as ``path: stored X, re-scored Y``."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: {'missing from the record' if key not in a else 'not produced by the harness'}"
            diff = first_difference(a[key], b[key], f"{path}.{key}")
            if diff:
                return diff
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diff = first_difference(x, y, f"{path}[{i}]")
            if diff:
                return diff
        return None
    same = json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    return None if same else f"{path}: stored {json.dumps(a)[:60]}, re-scored {json.dumps(b)[:60]}"


def audit(root: Path, records: list[Stored], splits_dirs) -> Audit:
    """Re-score each record whose dataset has a benchmark folder among ``splits_dirs``."""
    from .evaluator import Evaluator
    from .metrics import HARNESS_METRICS
    from .splits import SplitsError
    from .submission import SubmissionError, size_limit
    from .tasks import UnknownTask

    out = Audit()
    folders, out.problems = benchmark_folders(splits_dirs)
    evaluators: dict[tuple, Evaluator] = {}
    unverified: dict[str, list[str]] = {}  # reason -> files: one warning per reason, not one per record

    def skip(stored: Stored, message: str, severity: str = "warning") -> None:
        if severity == "warning":
            unverified.setdefault(message, []).append(stored.file)
        else:
            out.problems.append(Problem(CHECK, severity, message, stored.file))
        out.not_rescored += 1

    for stored in records:
        rec = stored.record
        if is_interval_record(rec):  # cmedbench.spotting's records: its own evaluator
            skip(stored, "interval records (long-video spotting) are not re-scored here")
            continue
        folder = folders.get(rec["dataset_fingerprint"])
        if folder is None:
            skip(stored, f"no benchmark folder of dataset {rec['dataset_fingerprint'][:19]}… was given")
            continue
        if rec["result"].get("metrics") != HARNESS_METRICS:
            skip(stored, f"scored by metrics {str(rec['result'].get('metrics'))[:20]!r}, this harness computes "
                         f"{HARNESS_METRICS!r}")
            continue
        boot = _BOOTSTRAP.match(str(rec["result"]["ci95"].get("method", "")))
        if boot is None:
            skip(stored, "result.ci95.method is not one the harness writes", "error")
            continue
        key = (folder, rec["task"], rec["protocol"], int(boot.group(1)), int(boot.group(2)))
        try:
            if key not in evaluators:
                evaluators[key] = Evaluator(rec["task"], rec["protocol"], folder, n_boot=key[3], seed=key[4])
        except (SplitsError, UnknownTask, OSError) as exc:
            skip(stored, f"cannot be re-scored: {exc.args[0] if exc.args else exc}", "error")
            continue
        ev = evaluators[key]
        if ev.bench.fold_map_sha256 != rec["fold_map_sha256"]:
            skip(stored, f"scored on fold map {rec['fold_map_sha256'][:12]}, the benchmark folder has "
                         f"{ev.bench.fold_map_sha256[:12]}", "error")
            continue
        try:
            data = read_blob(root, rec["prediction_sha256"], size_limit(len(ev.bench.sample_ids)))
        except BlobError as exc:
            kept_later = "migrated_from" in rec and "missing" in str(exc)
            skip(stored, "records from before the ledger whose prediction files are not kept yet (collecting the "
                         "same files keeps them)" if kept_later else str(exc), "warning" if kept_later else "error")
            continue
        try:
            fresh = stored_result(ev.score(ev.parse(data)))
        except SubmissionError as exc:
            skip(stored, f"stored predictions are rejected by the parser: {exc.problems[0].message}", "error")
            continue
        same = json.dumps(rec["result"], sort_keys=True) == json.dumps(fresh, sort_keys=True)
        diff = None if same else first_difference(rec["result"], fresh) or "result differs"
        if diff:
            out.problems.append(Problem(CHECK, "error", f"re-scoring disagrees with the record: {diff}", stored.file))
        elif rec["n_samples"] != fresh["n_samples"]:
            out.problems.append(Problem(CHECK, "error", "n_samples disagrees with the re-scored predictions",
                                        stored.file))
        out.rescored += 1
    for reason, files in unverified.items():
        shown = ", ".join(files[:3]) + (", ..." if len(files) > 3 else "")
        out.problems.append(Problem(CHECK, "warning", f"{len(files)} record(s) not re-scored: {reason} ({shown})"))
    return out
