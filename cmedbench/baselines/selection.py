"""Inner validation: choose what a baseline's spec says it tunes on held-out training subjects.

A fifth of a fold's training subjects (seeded) is held out; candidates are scored by UF1 on them; the
fold runner then refits on all training subjects with the choice. The test fold is never here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..bench.metrics import confusion, scores
from .registry import EpochSearch, GridSearch


def take(X, idx):
    """Rows ``idx`` of an array, or of a list (graphs)."""
    return [X[i] for i in idx] if isinstance(X, list) else X[idx]


def inner_split(subjects: np.ndarray, train: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(inner training rows, validation rows) of ``train``; None with fewer than two subjects."""
    rng = np.random.default_rng(seed)
    subs = np.unique(subjects[train])
    if len(subs) < 2:
        return None
    val_subs = set(rng.choice(subs, size=max(1, len(subs) // 5), replace=False).tolist())
    is_val = np.array([s in val_subs for s in subjects[train]])
    return train[~is_val], train[is_val]


def choose(tunes: GridSearch | EpochSearch, make: Callable[..., object], params: dict, X, y: np.ndarray,
           inner: np.ndarray, val: np.ndarray, n_classes: int):
    """The value of ``tunes.param`` with the best validation UF1; ``make(**changes)`` builds an estimator."""
    if isinstance(tunes, GridSearch):
        best, best_value = -1.0, params[tunes.param]
        for value in params.get(tunes.grid, [params[tunes.param]]):
            est = make(**{tunes.param: value}).fit(take(X, inner), y[inner])
            uf1 = scores(confusion(y[val], est.predict_proba(take(X, val)).argmax(1), n_classes))["uf1"]
            if uf1 > best:
                best, best_value = uf1, value
        return best_value
    est = make().fit(take(X, inner), y[inner], val=(take(X, val), y[val]))
    return int(np.nanargmax(est.history_)) + 1 if est.history_ else None
