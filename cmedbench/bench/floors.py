"""Trivial reference predictions: what a model that ignores the video scores.

Both floors are fitted on each fold's training subjects only, like any honest model: the majority
class of the training folds, or a seeded draw from the training folds' class distribution.
"""

from __future__ import annotations

import numpy as np

FLOORS = ("majority", "stratified")


def floor_predictions(y_true: np.ndarray, folds: np.ndarray, n_classes: int, kind: str, seed: int = 0) -> np.ndarray:
    if kind not in FLOORS:
        raise ValueError(f"unknown floor {kind!r}; known: {', '.join(FLOORS)}")
    y_true = np.asarray(y_true, dtype=np.int64)
    folds = np.asarray(folds)
    pred = np.empty_like(y_true)
    rng = np.random.default_rng(seed)
    for fold in np.unique(folds):  # sorted, so the draws do not depend on row order
        test = folds == fold
        counts = np.bincount(y_true[~test], minlength=n_classes).astype(np.float64)
        if counts.sum() == 0:  # a single-fold protocol: nothing to train on, fall back to uniform
            counts[:] = 1.0
        if kind == "majority":
            pred[test] = int(np.argmax(counts))
        else:
            pred[test] = rng.choice(n_classes, size=int(test.sum()), p=counts / counts.sum())
    return pred


def predictions_csv(sample_ids, folds, y_pred, labels) -> bytes:
    lines = ["sample_id,prediction,fold"]
    lines += [f"{s},{labels[p]},{f}" for s, p, f in zip(sample_ids, y_pred, folds)]
    return ("\n".join(lines) + "\n").encode()
