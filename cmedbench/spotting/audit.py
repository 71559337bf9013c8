"""Re-scoring the ledger's interval records from their kept predictions and the answer key, as
``cmedbench leaderboard --check`` does for the clip records (which it leaves to this)."""

from __future__ import annotations

import json
from pathlib import Path

from ..bench.audit import first_difference, stored_result
from ..bench.ledger import CHECK, BlobError, read_blob, read_state
from ..bench.submission import SubmissionError
from ..problems import Problem
from .benchmark import SpottingBenchError
from .evaluator import SCHEME, IntervalEvaluator
from .submission import size_limit


def _fingerprint(folder: Path) -> str | None:
    try:
        return json.loads((Path(folder) / "manifest.json").read_text("utf-8")).get("dataset_fingerprint")
    except (OSError, ValueError, AttributeError):
        return None


def check_interval_records(leaderboard: Path, bench_dirs) -> tuple[int, list[Problem]]:
    """(records re-scored, problems): every interval record whose dataset has a benchmark folder among
    ``bench_dirs`` must re-score to exactly its stored result."""
    folders = {fp: Path(d) for d in bench_dirs if (fp := _fingerprint(d))}
    problems, rescored = [], 0
    for stored in read_state(Path(leaderboard)).records:
        rec = stored.record
        if rec["result"].get("scheme") != SCHEME:
            continue
        folder = folders.get(rec["dataset_fingerprint"])
        if folder is None:
            problems.append(Problem(CHECK, "warning", "no interval benchmark folder of its dataset was given",
                                    stored.file))
            continue
        try:
            ev = IntervalEvaluator(rec["task"], rec["protocol"], folder, threshold=rec["result"]["threshold"],
                                   me_max_seconds=rec["result"]["me_max_seconds"])
            if ev.bench.fold_map_sha256 != rec["fold_map_sha256"]:
                raise SpottingBenchError(f"scored on fold map {rec['fold_map_sha256'][:12]}, the benchmark folder "
                                         f"has {ev.bench.fold_map_sha256[:12]}")
            data = read_blob(Path(leaderboard), rec["prediction_sha256"], size_limit(ev.bench))
            fresh = stored_result(ev.score(ev.parse(data)))
        except (SpottingBenchError, BlobError, KeyError, TypeError) as exc:
            problems.append(Problem(CHECK, "error", f"cannot be re-scored: {exc}", stored.file))
            continue
        except SubmissionError as exc:
            problems.append(Problem(CHECK, "error", f"stored predictions are rejected by the parser: "
                                                    f"{exc.problems[0].message}", stored.file))
            continue
        rescored += 1
        diff = first_difference(rec["result"], fresh)
        if diff:
            problems.append(Problem(CHECK, "error", f"re-scoring disagrees with the record: {diff}", stored.file))
    return rescored, problems
