"""The AU task's baselines: a one-vs-rest linear model on clip features, and the prevalence floor.

``au-lbptop`` and ``au-flow``: per fold, standardise the features on the training rows, fit one ridge
regression per AU on 0/1 targets (one-vs-rest; solved together, n << d, so every fold takes well
under a second), and turn each AU's score into a decision with a threshold chosen on the training
subjects only: out-of-fold scores from an inner subject-grouped split of the training folds, the
threshold that maximises that AU's F1 on them. The test fold is never looked at until it is predicted.

``au-prevalence``: the floor. Every AU that occurs in the training folds is predicted present on every
test sample: the best constant decision for F1 (2p / (1 + p) at prevalence p), so beating it means
the model detects the AU, not that it guesses its base rate.

Each run writes ``<out>/<name>/predictions.csv`` (0/1 decisions), ``submission.json`` (what the AU
board records) and ``metrics.json`` (the scorer's result) for ``cmedbench au collect``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import write_bytes, write_text


@dataclass(frozen=True)
class AUBaseline:
    name: str
    title: str
    kind: str  # measured or floor
    features: str | None = None  # default artifact
    array: str | None = None


AU_BASELINES: dict[str, AUBaseline] = {b.name: b for b in (
    AUBaseline("au-prevalence", "AU prevalence floor", "floor"),
    AUBaseline("au-lbptop", "LBP-TOP + linear (one-vs-rest)", "measured", "data/features/lbptop.npz", "X"),
    AUBaseline("au-flow", "optical flow + linear (one-vs-rest)", "measured", "data/features/flow.npz", "flow_28"),
)}


class UnknownAUBaseline(KeyError):
    pass


class AUFeaturesMissing(FileNotFoundError):
    """The feature artifact a baseline reads does not exist (its feature stage has not run)."""


def get_au_baseline(name: str) -> AUBaseline:
    try:
        return AU_BASELINES[name]
    except KeyError:
        raise UnknownAUBaseline(f"unknown AU baseline {name!r}; known: {', '.join(AU_BASELINES)}") from None


def load_au_features(path: str | Path, array: str, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows aligned with ``ids`` flattened to float64, mask of rows that have features)."""
    path = Path(path)
    if not path.is_file():
        raise AUFeaturesMissing(f"{path} does not exist; its feature stage makes it")
    z = np.load(path)
    pos = {str(s): k for k, s in enumerate(z["sample_id"])}
    arr = z[array].reshape(len(z["sample_id"]), -1).astype(np.float64)
    have = np.array([i in pos for i in ids.tolist()])
    X = np.zeros((len(ids), arr.shape[1]))
    X[have] = arr[[pos[i] for i in ids[have].tolist()]]
    return X, have


def ridge_scores(X_train: np.ndarray, Y_train: np.ndarray, X_test: np.ndarray, alpha: float) -> np.ndarray:
    """One ridge regression per AU column (standardised features, centred targets), solved in the dual."""
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
    sd[sd == 0] = 1.0
    A, B = (X_train - mu) / sd, (X_test - mu) / sd
    y_mean = Y_train.mean(axis=0)
    K = A @ A.T
    coef = np.linalg.solve(K + alpha * A.shape[1] * np.eye(len(A)), Y_train - y_mean)  # alpha per feature
    return B @ (A.T @ coef) + y_mean


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The cut that maximises F1 of ``scores >= cut`` on these rows (the lowest of equals); +inf when
    the AU never occurs (never predicted)."""
    if not y.any():
        return float("inf")
    best, cut = -1.0, float("inf")
    for c in np.unique(scores):
        p = scores >= c
        tp = np.sum(p & (y == 1))
        f1 = 2 * tp / (p.sum() + y.sum())
        if f1 > best:
            best, cut = f1, float(c)
    return cut


def inner_thresholds(X: np.ndarray, Y: np.ndarray, subjects: np.ndarray, alpha: float, n_inner: int) -> np.ndarray:
    """Per-AU thresholds from out-of-fold scores of an inner split of these (training) subjects."""
    unique = np.array(sorted(set(subjects.tolist())), dtype=object)
    k = min(n_inner, len(unique))
    if k < 2:
        return np.array([0.5] * Y.shape[1])
    group = {s: i % k for i, s in enumerate(unique)}
    inner = np.array([group[s] for s in subjects.tolist()])
    oof = np.zeros(Y.shape, dtype=float)
    for g in range(k):
        te = inner == g
        oof[te] = ridge_scores(X[~te], Y[~te], X[te], alpha)
    return np.array([best_threshold(oof[:, j], Y[:, j]) for j in range(Y.shape[1])])


def au_fold_predictions(bench, X: np.ndarray | None, kind: str, alpha: float = 1.0, n_inner: int = 4) -> np.ndarray:
    """0/1 decisions for every sample, each fold's rows from a model fitted on the other folds only."""
    Y = bench.y_true.astype(float)
    out = np.zeros(bench.y_true.shape, dtype=np.int8)
    for fold in np.unique(bench.folds):
        test = bench.folds == fold
        if kind == "floor":
            out[test] = (Y[~test].sum(axis=0) > 0).astype(np.int8)
            continue
        scores = ridge_scores(X[~test], Y[~test], X[test], alpha)
        cuts = inner_thresholds(X[~test], Y[~test], bench.subjects[~test], alpha, n_inner)
        out[test] = (scores >= cuts).astype(np.int8)
    return out


def run_au_baseline(name: str, splits: str | Path, out: str | Path, protocol: str = "loso",
                    features: str | Path | None = None, alpha: float = 1.0, n_inner: int = 4) -> dict:
    """Run one AU baseline on one protocol and write its result folder; returns the scorer's result."""
    from ..bench.au_splits import AUTaskUnavailable
    from ..bench.au_submission import AUEvaluator, au_predictions_csv

    spec = get_au_baseline(name)
    try:
        ev = AUEvaluator(protocol, splits)
    except AUTaskUnavailable as exc:
        return write_unavailable(Path(out) / name, name, protocol, str(exc))
    bench = ev.bench
    X = None
    if spec.kind != "floor":
        X, have = load_au_features(features or spec.features, spec.array, bench.sample_ids)
        if not have.all():
            missing = int((~have).sum())
            raise AUFeaturesMissing(f"{features or spec.features} lacks {missing} sample(s) of the AU task "
                                    "(failed clips); re-run its feature stage")
    pred = au_fold_predictions(bench, X, spec.kind, alpha, n_inner)
    data = au_predictions_csv(bench.sample_ids, bench.folds, bench.aus, pred)
    result = ev.eval(data)
    folder = Path(out) / name
    folder.mkdir(parents=True, exist_ok=True)
    write_bytes(folder / "predictions.csv", data)
    described = ("every AU seen in the training folds predicted present (the best constant F1)"
                 if spec.kind == "floor" else
                 f"{spec.title}: ridge (alpha={alpha:g} per feature) on standardised features, per-AU "
                 f"thresholds from {n_inner}-fold inner validation over training subjects")
    meta = {"model": spec.title, "description": described, "kind": spec.kind,
            "selection": "n/a (no training)" if spec.kind == "floor" else "inner-validation",
            "seeds": [], "task": bench.task, "protocol": protocol,
            "params": {} if spec.kind == "floor" else {"alpha": alpha, "n_inner": n_inner,
                                                        "features": str(features or spec.features)}}
    write_text(folder / "submission.json", json.dumps(meta, indent=2) + "\n")
    summary = {"mean_f1": result["pooled"]["mean_f1"], "mean_f1_over_folds": result["mean_over_folds"]["mean_f1"],
               **{f"f1_{a}": v for a, v in result["pooled"]["f1"].items()}}
    write_text(folder / "metrics.json", json.dumps(summary, indent=2) + "\n")
    return result


def write_unavailable(folder: Path, name: str, protocol: str, reason: str) -> dict:
    """The result folder of a run on a release without usable AUs: the same files, saying so (the AU
    board skips it), so the pipeline runs unchanged on CMED, which codes no AUs."""
    folder.mkdir(parents=True, exist_ok=True)
    write_bytes(folder / "predictions.csv", b"sample_id\n")
    meta = {"model": get_au_baseline(name).title, "task": "au-detection", "protocol": protocol,
            "unavailable": reason}
    write_text(folder / "submission.json", json.dumps(meta, indent=2) + "\n")
    write_text(folder / "metrics.json", json.dumps({"unavailable": reason}, indent=2) + "\n")
    return {"unavailable": reason}
