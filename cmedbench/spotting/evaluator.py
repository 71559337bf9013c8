"""``IntervalEvaluator``: parse and score interval predictions for one task and protocol, giving a result
in the leaderboard's record shape (``scheme: intervals``) so records go on the same ledger."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .benchmark import load_spotting_bench
from .metrics import METRICS_NAME, score_intervals
from .submission import IntervalSubmission, expected_format, parse_intervals, size_limit

SCHEME = "intervals"


class IntervalEvaluator:
    def __init__(self, task: str, protocol: str = "loso", dataset: str | os.PathLike = "data/spotting/bench",
                 threshold: float = 0.5, me_max_seconds: float = 0.5):
        self.bench = load_spotting_bench(dataset, task, protocol)
        self.threshold = threshold
        self.me_max_seconds = me_max_seconds

    @property
    def expected_input_format(self) -> str:
        return expected_format(self.bench)

    def size_limit(self) -> int:
        """The most bytes an interval prediction file may have (the leaderboard reads kept files with it)."""
        return size_limit(self.bench)

    def parse(self, predictions: Any) -> IntervalSubmission:
        if isinstance(predictions, Path):
            predictions = str(predictions)
        if hasattr(predictions, "to_csv"):
            predictions = predictions.to_csv(index=False, lineterminator="\n").encode()
        return parse_intervals(predictions, self.bench)

    def eval(self, predictions: Any) -> dict:
        return self.score(self.parse(predictions))

    def score(self, sub: IntervalSubmission) -> dict:
        b = self.bench
        pooled = score_intervals(b.truth, sub.spots, self.threshold, self.me_max_seconds)
        per_fold = {}
        for fold in sorted(set(b.folds.tolist())):
            videos = np.flatnonzero(b.folds == fold)
            t_keep = np.isin(b.truth["video"], videos)
            s_keep = np.isin(sub.spots["video"], videos)
            part = score_intervals({k: (v[t_keep] if v is not None else None) for k, v in b.truth.items()},
                                   {k: (v[s_keep] if v is not None else None) for k, v in sub.spots.items()},
                                   self.threshold, self.me_max_seconds)
            per_fold[fold] = {"f1": part["overall"]["f1"], **({"strs": part["strs"]} if "strs" in part else {})}
        result = {"task": b.task.name, "protocol": b.protocol, "dataset_fingerprint": b.dataset_fingerprint,
                  "fold_map_sha256": b.fold_map_sha256, "prediction_sha256": sub.sha256, "metrics": METRICS_NAME,
                  "scheme": SCHEME, "n_samples": int(len(b.video_ids)), "threshold": self.threshold,
                  "me_max_seconds": self.me_max_seconds, "pooled": pooled.pop("overall"),
                  "mean_over_folds": {"f1": float(np.mean([f["f1"] for f in per_fold.values()]))},
                  "per_fold": per_fold}
        pooled.pop("threshold")
        result.update(pooled)  # me / macro blocks, analysis, strs where they apply
        if "strs" in result:
            result["mean_over_folds"]["strs"] = float(np.mean([f["strs"] for f in per_fold.values()]))
        return result
