"""``Evaluator``: the one object a participant needs (in the spirit of OGB's evaluators).

>>> ev = Evaluator("emotion-3", "loso", "data/splits")
>>> print(ev.expected_input_format)
>>> result = ev.eval("my_predictions.csv")        # or a DataFrame / {sample_id: label} mapping
>>> result["pooled"]["uf1"], result["mean_over_folds"]["uf1"]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .metrics import HARNESS_METRICS, evaluate_folds, group_index
from .splits import Benchmark, load_benchmark
from .submission import Submission, expected_format, parse_submission

DEFAULT_SPLITS = "data/splits"


class Evaluator:
    """Scores predictions for one task and protocol of one benchmark folder (``cmedbench splits``)."""

    def __init__(self, task: str, protocol: str = "loso", dataset: str | os.PathLike = DEFAULT_SPLITS,
                 n_boot: int = 1000, seed: int = 0):
        self.bench: Benchmark = load_benchmark(dataset, task, protocol)
        self.n_boot = n_boot
        self.seed = seed
        self._folds = group_index(self.bench.folds)  # the same for every prediction set scored here
        self._subjects = group_index(self.bench.subjects)

    @property
    def expected_input_format(self) -> str:
        return expected_format(self.bench)

    @property
    def expected_output_format(self) -> str:
        return ("dict: pooled {uf1, uar, accuracy} (primary, MEGC-2019), mean_over_folds {uf1, uar, accuracy} "
                "(DFME), per_class, confusion, per_fold, worst_subject, ci95, absent_classes, n_samples")

    def parse(self, predictions: Any) -> Submission:
        return parse_submission(_as_source(predictions), self.bench)

    def eval(self, predictions: Any) -> dict:
        """Validate (raises SubmissionError with every problem) and score."""
        sub = self.parse(predictions)
        return self.score(sub)

    def score(self, sub: Submission) -> dict:
        b = self.bench
        result = evaluate_folds(b.y_true, sub.y_pred, b.folds, b.subjects, b.task.labels, self.n_boot, self.seed,
                                fold_index=self._folds, subject_index=self._subjects)
        return {"task": b.task.name, "protocol": b.protocol, "dataset_fingerprint": b.dataset_fingerprint,
                "fold_map_sha256": b.fold_map_sha256, "prediction_sha256": sub.sha256, "metrics": HARNESS_METRICS,
                **result}


def _as_source(predictions: Any) -> str | os.PathLike | bytes:
    """Paths and bytes pass through; DataFrames and {sample_id: label} mappings become CSV bytes."""
    if isinstance(predictions, (str, os.PathLike, bytes)):
        return predictions
    if isinstance(predictions, Path):
        return predictions
    if isinstance(predictions, Mapping):
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["sample_id", "prediction"])
        w.writerows(predictions.items())
        return buf.getvalue().encode()
    if hasattr(predictions, "to_csv"):
        return predictions.to_csv(index=False, lineterminator="\n").encode()
    raise TypeError(f"predictions must be a path, bytes, a DataFrame or a mapping, not {type(predictions).__name__}")


def score_file(predictions: Any, task: str, protocol: str = "loso", dataset: str | os.PathLike = DEFAULT_SPLITS,
               n_boot: int = 1000, out: str | os.PathLike | None = None) -> dict:
    """Validate and score a prediction file (a dry run: nothing goes on the board); the JSON result is
    also written to ``out`` when given. Raises SubmissionError, SplitsError or UnknownTask."""
    result = Evaluator(task, protocol, dataset, n_boot=n_boot).eval(predictions)
    if out is not None:
        import json

        from ..atomic import write_text

        write_text(out, json.dumps(result, indent=2) + "\n")
    return result
