"""Putting the interval baselines' results on the leaderboard's ledger: the same records, hash chain and
board as the clip tasks (``bench/leaderboard.py``), scored by the interval evaluator."""

from __future__ import annotations

from pathlib import Path

from ..atomic import write_text
from ..bench.collect import each_result_folder
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
    stored, already, lines = [], 0, []
    for folder in each_result_folder(results, lambda task, protocol: IntervalEvaluator(task, protocol, bench_dir),
                                     (SpottingBenchError, UnknownSpottingTask)):
        info, task, protocol = folder.info, folder.task, folder.protocol
        predictions = folder.meta_path.parent / "predictions.csv"
        try:
            record = board.submit(folder.evaluator, predictions, info).record
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
