"""Putting the interval baselines' results on the leaderboard's ledger: the same records, hash chain and
board as the clip tasks (``bench/leaderboard.py``), scored by the interval evaluator."""

from __future__ import annotations

from pathlib import Path

from ..atomic import write_text
from ..bench.collect import read_json_object, submission_info
from ..bench.leaderboard import AlreadySubmitted, CollectError, Leaderboard
from ..bench.submission import SubmissionError
from .benchmark import SpottingBenchError
from .evaluator import IntervalEvaluator
from .tasks import UnknownSpottingTask


def collect_intervals(results: Path, bench_dir: Path, leaderboard: Path, summary: Path | None = None
                      ) -> tuple[list[dict], int]:
    """Submit every ``results/<model>/<task>/predictions.csv``; (records stored now, already on the board).
    ``summary`` (when given) lists each result's record id, so the pipeline can order the board after it."""
    board = Leaderboard(Path(leaderboard))
    evaluators: dict[tuple[str, str], IntervalEvaluator] = {}
    stored, already, lines = [], 0, []
    for meta_path in sorted(Path(results).glob("*/*/submission.json")):
        try:
            info, task, protocol = submission_info(read_json_object(meta_path))
        except ValueError as exc:
            raise CollectError(f"{meta_path}: {exc}") from None
        if (task, protocol) not in evaluators:
            try:
                evaluators[task, protocol] = IntervalEvaluator(task, protocol, bench_dir)
            except (SpottingBenchError, UnknownSpottingTask) as exc:
                raise CollectError(f"{meta_path}: {exc}") from None
        predictions = meta_path.parent / "predictions.csv"
        try:
            record = board.submit(evaluators[task, protocol], predictions, info).record
            stored.append(record)
        except AlreadySubmitted as exc:
            already += 1
            record = exc.record
        except SubmissionError as exc:
            first = exc.problems[0]
            raise CollectError(f"{predictions}, {first.location()}: {first.message} "
                               f"({len(exc.problems)} problem(s))") from None
        lines.append(f"{info.model}\t{task}\t{protocol}\t{record['id']}")
    board.render()
    if summary is not None:
        write_text(summary, "model\ttask\tprotocol\trecord\n" + "\n".join(lines) + "\n")
    return stored, already
