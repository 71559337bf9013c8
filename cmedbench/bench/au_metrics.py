"""AU detection scores: per-AU F1 and their average (DFME's AU protocol), pooled and per fold.

F1 of one AU is 2TP / (2TP + FP + FN) over the samples scored. It is undefined where an AU is neither
present nor predicted (0/0): pooled over a whole release that does not happen for a kept AU (it has
at least ``min_samples`` positives); within one fold it can, and such folds are left out of that AU's
mean over folds rather than counted as 0 or 1.
"""

from __future__ import annotations

import numpy as np


def au_counts(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, np.ndarray]:
    """Per-AU true positives, false positives, false negatives and support (column-wise, n x n_aus)."""
    t = np.asarray(y_true, dtype=bool)
    p = np.asarray(y_pred, dtype=bool)
    return {"tp": (t & p).sum(axis=0), "fp": (~t & p).sum(axis=0), "fn": (t & ~p).sum(axis=0),
            "support": t.sum(axis=0), "predicted": p.sum(axis=0)}


def au_f1(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """F1 per AU column; NaN where the AU is neither present nor predicted."""
    c = au_counts(y_true, y_pred)
    denom = 2 * c["tp"] + c["fp"] + c["fn"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * c["tp"] / np.maximum(denom, 1), np.nan)


def evaluate_au(y_true: np.ndarray, y_pred: np.ndarray, folds: np.ndarray, aus: tuple[str, ...]) -> dict:
    """Pooled per-AU F1 and their mean (primary), the same per fold, and each AU's counts."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    folds = np.asarray(folds)
    pooled = au_f1(y_true, y_pred)
    per_fold = {}
    fold_f1 = []
    for fold in np.unique(folds):
        sel = folds == fold
        f1 = au_f1(y_true[sel], y_pred[sel])
        fold_f1.append(f1)
        per_fold[str(fold)] = {"n": int(sel.sum()), "mean_f1": _nanmean(f1),
                               "f1": {a: _num(v) for a, v in zip(aus, f1)}}
    stacked = np.vstack(fold_f1) if fold_f1 else np.full((0, len(aus)), np.nan)
    over_folds = np.array([_nanmean(stacked[:, j]) for j in range(len(aus))], dtype=float)
    counts = au_counts(y_true, y_pred)
    n = len(y_true)
    return {
        "aus": list(aus),
        "n_samples": n,
        "pooled": {"mean_f1": _nanmean(pooled), "f1": {a: _num(v) for a, v in zip(aus, pooled)}},
        "mean_over_folds": {"mean_f1": _nanmean(over_folds), "f1": {a: _num(v) for a, v in zip(aus, over_folds)}},
        "per_au": {a: {"support": int(counts["support"][j]), "prevalence": round(counts["support"][j] / max(n, 1), 6),
                       "predicted": int(counts["predicted"][j]), "tp": int(counts["tp"][j]),
                       "fp": int(counts["fp"][j]), "fn": int(counts["fn"][j])} for j, a in enumerate(aus)},
        "per_fold": per_fold,
    }


def _nanmean(x: np.ndarray) -> float | None:
    x = np.asarray(x, dtype=float)
    return None if np.all(np.isnan(x)) else round(float(np.nanmean(x)), 6)


def _num(v: float) -> float | None:
    return None if np.isnan(v) else round(float(v), 6)
