"""Bring your own model: the folds of a task and protocol, the way scikit-learn's splitters are used.

``Folds(splits, task)`` reads a benchmark folder; iterating it gives each fold's training and test
rows (indices into ``folds.samples``, a table of sample_id, subject, fold and, for training rows
only, the label). ``folds.load(artifact)`` aligns any feature artifact of the pipeline with those
rows; ``folds.write_predictions(scores, path)`` writes the file `cmedbench score` / `submit` read.
The test rows' labels are never handed to the model: ``fold.y_train`` is all it gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class ScoresShapeError(ValueError):
    """The scores given to write_predictions are not one non-negative row per sample, one column per label."""


@dataclass(frozen=True)
class Fold:
    name: str  # the held-out subject (LOSO) or fold number (kfold-10)
    train: np.ndarray  # row indices of the training samples
    test: np.ndarray  # row indices of the test samples
    y_train: np.ndarray  # integer labels of the training rows (codes into Folds.labels)


class Folds:
    """The folds of ``task`` under ``protocol`` in the benchmark folder ``splits``."""

    def __init__(self, splits: str | Path, task: str, protocol: str = "loso"):
        from ..bench.splits import load_benchmark

        self.bench = load_benchmark(splits, task, protocol)
        self.labels = list(self.bench.task.labels)
        self.names = sorted(set(self.bench.folds.tolist()))

    @property
    def samples(self):
        """sample_id, subject and fold of every row (no labels: those stay with the evaluator)."""
        import pandas as pd

        b = self.bench
        return pd.DataFrame({"sample_id": b.sample_ids, "subject": b.subjects, "fold": b.folds})

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[Fold]:
        rows = np.arange(len(self.bench.sample_ids))
        for name in self.names:
            train = rows[self.bench.folds != name]
            yield Fold(name, train, rows[self.bench.folds == name], self.bench.y_true[train])

    def load(self, artifact: str | Path, array: str | None = None):
        """(features aligned with the rows, boolean mask of rows that have them) from an .npz artifact
        (``array`` names the array: X, crops, flow_28, ...) or a .pt list of landmark graphs."""
        from .registry import BaselineSpec
        from .runner import load_features

        spec = BaselineSpec("own-model", "own model", "", features=str(artifact), array=array)
        return load_features(spec, artifact, self.bench.sample_ids)

    def write_predictions(self, scores: np.ndarray, path: str | Path) -> Path:
        """The prediction file for per-class ``scores`` (rows as ``samples``, columns as ``labels``)."""
        from ..atomic import write_bytes
        from .results import prediction_file_bytes

        scores = np.asarray(scores, dtype=np.float64)
        want = (len(self.bench.sample_ids), len(self.labels))
        if scores.shape != want:
            raise ScoresShapeError(f"scores have shape {scores.shape}; expected {want} (samples x labels "
                                   f"{', '.join(self.labels)})")
        if not np.isfinite(scores).all() or (scores < 0).any() or (scores.sum(axis=1) <= 0).any():
            raise ScoresShapeError("scores must be finite, non-negative, and positive somewhere in every row")
        scores = scores / scores.sum(axis=1, keepdims=True)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, prediction_file_bytes(self.bench, scores))
        return path
