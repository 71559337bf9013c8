"""Trivial reference predictions: what a model that ignores the video scores.

The one implementation of the two floors. Both are fitted on each fold's training subjects only,
like any honest model: the majority class of the training folds, or a seeded draw from the training
folds' class distribution. The baselines' fold runner (``cmedbench baseline majority|stratified``)
calls the same two functions per fold with the same per-fold seeds, so both give identical labels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FLOORS = ("majority", "stratified")
FLOOR_DESCRIPTIONS = {
    "majority": "the training folds' majority class",
    "stratified": "seeded draws from the training folds' class distribution",
}


def fold_seed(seed: int, k: int) -> int:
    """The seed of the k-th fold (fold names sorted) of a run seeded ``seed``."""
    return seed * 1000 + k


def class_distribution(y_train: np.ndarray, n_classes: int) -> np.ndarray:
    """Training-class frequencies; uniform when there is nothing to train on (a single-fold protocol)."""
    counts = np.bincount(np.asarray(y_train, dtype=np.int64), minlength=n_classes).astype(np.float64)
    if counts.sum() == 0:
        counts[:] = 1.0
    return counts / counts.sum()


def floor_draw(kind: str, distribution: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` class indices: the most frequent class, or seeded draws from ``distribution``."""
    if kind not in FLOORS:
        raise ValueError(f"unknown floor {kind!r}; known: {', '.join(FLOORS)}")
    if kind == "majority":
        return np.full(n, int(np.argmax(distribution)), dtype=np.int64)
    return np.random.default_rng(seed).choice(len(distribution), size=n, p=distribution)


def floor_predictions(y_true: np.ndarray, folds: np.ndarray, n_classes: int, kind: str, seed: int = 0) -> np.ndarray:
    """Predicted class index per row: each fold's test rows from a floor fitted on the other folds."""
    if kind not in FLOORS:
        raise ValueError(f"unknown floor {kind!r}; known: {', '.join(FLOORS)}")
    y_true = np.asarray(y_true, dtype=np.int64)
    folds = np.asarray(folds)
    pred = np.empty_like(y_true)
    for k, fold in enumerate(np.unique(folds)):  # sorted, so the draws do not depend on row order
        test = folds == fold
        dist = class_distribution(y_true[~test], n_classes)
        pred[test] = floor_draw(kind, dist, int(test.sum()), fold_seed(seed, k))
    return pred


def predictions_csv(sample_ids, folds, y_pred, labels) -> bytes:
    lines = ["sample_id,prediction,fold"]
    lines += [f"{s},{labels[p]},{f}" for s, p, f in zip(sample_ids, y_pred, folds)]
    return ("\n".join(lines) + "\n").encode()


def write_floor(bench, kind: str, seed: int, out) -> Path:
    """The floor's prediction file for a loaded benchmark (task x protocol), written atomically. Floors
    reach the pipeline's board through the `majority` and `stratified` baselines and `collect`."""
    from ..atomic import write_bytes

    pred = floor_predictions(bench.y_true, bench.folds, len(bench.task.labels), kind, seed)
    return write_bytes(out, predictions_csv(bench.sample_ids, bench.folds, pred, bench.task.labels))
