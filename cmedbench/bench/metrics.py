"""Recognition metrics as pure numpy functions over integer-coded labels and confusion matrices.

Definitions follow the CMED paper (Eq. 6-11): per-class F1 = 2TP / (2TP + FP + FN) (equal to Eq. 7
whenever it is defined), UF1 = mean F1, UAR = mean recall, accuracy = correct / all.

Two aggregations over cross-validation folds, always reported side by side:

* **pooled** (primary; MEGC-2019): add the folds' confusion matrices, then compute the metrics once,
  over the task's FIXED label list. A class with no true sample anywhere in the scored set has no
  recall; it is left out of UF1/UAR and named in ``absent_classes``.
* **mean over folds** (DFME): compute the metrics per fold and average the folds. Rule for classes
  absent from a fold's truth: each fold's UF1/UAR averages only over the classes present in that
  fold's truth (predictions of an absent class still count, as errors of the true class). Without
  this rule a fold lacking "fear" would score F1 = 0 for it, which most LOSO folds on CMED would.

Rows of a confusion matrix are true classes, columns predicted classes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

HARNESS_METRICS = "metrics-v1"


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrix (true x predicted) from integer codes in [0, n_classes)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def per_class(cm: np.ndarray) -> dict[str, np.ndarray]:
    """TP, FP, FN, support, precision, recall, F1 per class (0 where a ratio has no denominator)."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    fp = predicted - tp
    fn = support - tp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        denom = 2 * tp + fp + fn
        f1 = np.where(denom > 0, 2 * tp / denom, 0.0)
    return {"tp": tp, "fp": fp, "fn": fn, "support": support, "precision": precision, "recall": recall, "f1": f1}


def scores(cm: np.ndarray) -> dict[str, float]:
    """UF1, UAR and accuracy of one confusion matrix, over the classes present in its truth."""
    cm = np.asarray(cm)
    pc = per_class(cm)
    present = pc["support"] > 0
    total = cm.sum()
    if not present.any():
        return {"uf1": float("nan"), "uar": float("nan"), "accuracy": float("nan")}
    return {
        "uf1": float(pc["f1"][present].mean()),
        "uar": float(pc["recall"][present].mean()),
        "accuracy": float(np.trace(cm) / total),
    }


def batch_scores(cms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UF1 and UAR of a stack of confusion matrices (B x C x C), vectorised for bootstraps."""
    cms = np.asarray(cms, dtype=np.float64)
    tp = np.diagonal(cms, axis1=1, axis2=2)
    support = cms.sum(axis=2)
    predicted = cms.sum(axis=1)
    present = support > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(present, tp / support, 0.0)
        denom = support + predicted  # = 2TP + FP + FN
        f1 = np.where(denom > 0, 2 * tp / denom, 0.0)
        n_present = present.sum(axis=1)
        uf1 = np.where(n_present > 0, (f1 * present).sum(axis=1) / n_present, np.nan)
        uar = np.where(n_present > 0, (recall * present).sum(axis=1) / n_present, np.nan)
    return uf1, uar


def group_index(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted group names, each row's group number): how ``evaluate_folds`` splits rows by fold or subject."""
    return np.unique(np.asarray(groups), return_inverse=True)


def evaluate_folds(y_true: np.ndarray, y_pred: np.ndarray, folds: np.ndarray, subjects: np.ndarray,
                   labels: tuple[str, ...], n_boot: int = 1000, seed: int = 0,
                   fold_index: tuple | None = None, subject_index: tuple | None = None) -> dict:
    """Everything a leaderboard record holds about one set of predictions (integer-coded inputs).
    ``fold_index`` / ``subject_index``: ``group_index`` of folds / subjects, when the caller scores many
    prediction sets on one benchmark and computes them once."""
    n = len(labels)
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    cm = confusion(y_true, y_pred, n)
    pc = per_class(cm)
    pooled = scores(cm)
    absent = [labels[i] for i in range(n) if pc["support"][i] == 0]

    fold_ids, fold_idx = fold_index if fold_index is not None else group_index(folds)
    fold_cms = np.zeros((len(fold_ids), n, n), dtype=np.int64)
    np.add.at(fold_cms, (fold_idx, y_true, y_pred), 1)
    per_fold = [{"fold": _plain(f), "n": int(c.sum()), **scores(c)} for f, c in zip(fold_ids, fold_cms)]
    mean_over_folds = {k: float(np.mean([p[k] for p in per_fold])) for k in ("uf1", "uar", "accuracy")}

    subj_ids, subj_idx = subject_index if subject_index is not None else group_index(subjects)
    subj_cms = np.zeros((len(subj_ids), n, n), dtype=np.int64)
    np.add.at(subj_cms, (subj_idx, y_true, y_pred), 1)
    _, subj_uar = batch_scores(subj_cms)
    worst = int(np.nanargmin(subj_uar))

    ci = bootstrap_ci(subj_cms, n_boot=n_boot, seed=seed)
    return {
        "n_samples": int(len(y_true)),
        "labels": list(labels),
        "pooled": pooled,
        "mean_over_folds": mean_over_folds,
        "absent_classes": absent,
        "per_class": {labels[i]: {"precision": float(pc["precision"][i]), "recall": float(pc["recall"][i]),
                                  "f1": float(pc["f1"][i]), "support": int(pc["support"][i])} for i in range(n)},
        "confusion": cm.tolist(),
        "per_fold": per_fold,
        "worst_subject": {"subject": _plain(subj_ids[worst]), "uar": float(subj_uar[worst])},
        "ci95": ci,
        "per_subject_confusion": {_plain(s): c.tolist() for s, c in zip(subj_ids, subj_cms)},
    }


def bootstrap_ci(subject_cms: np.ndarray, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> dict:
    """Subject-level bootstrap: resample subjects with replacement, pool, score; percentile interval."""
    subject_cms = np.asarray(subject_cms, dtype=np.float64)
    s, c, _ = subject_cms.shape
    draws = _bootstrap_draws(s, n_boot, seed)  # B x S
    pooled = (draws @ subject_cms.reshape(s, c * c)).reshape(n_boot, c, c)
    uf1, uar = batch_scores(pooled)
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    return {"method": f"subject bootstrap, {n_boot} resamples, seed {seed}",
            "uf1": [float(np.nanpercentile(uf1, lo)), float(np.nanpercentile(uf1, hi))],
            "uar": [float(np.nanpercentile(uar, lo)), float(np.nanpercentile(uar, hi))]}


@lru_cache(maxsize=16)
def _bootstrap_draws(n_subjects: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each subject is drawn in each resample; the same for every record of one benchmark, so
    it is drawn once (re-scoring a whole board reuses it)."""
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_subjects, np.full(n_subjects, 1.0 / n_subjects), size=n_boot).astype(np.float64)
    draws.flags.writeable = False
    return draws


def paired_permutation(cms_a: np.ndarray, cms_b: np.ndarray, n_perm: int = 10000, seed: int = 0) -> dict:
    """Pooled UF1/UAR difference (A - B) and its two-sided p-value from swapping A and B per subject.

    ``cms_a`` / ``cms_b``: S x C x C per-subject confusion matrices on the same subjects and samples.
    """
    a = np.asarray(cms_a, dtype=np.float64)
    b = np.asarray(cms_b, dtype=np.float64)
    s, c, _ = a.shape
    rng = np.random.default_rng(seed)
    swap = rng.integers(0, 2, size=(n_perm, s)).astype(np.float64)  # 1 = swap this subject
    fa, fb = a.reshape(s, c * c), b.reshape(s, c * c)
    pa = ((1 - swap) @ fa + swap @ fb).reshape(n_perm, c, c)
    pb = (swap @ fa + (1 - swap) @ fb).reshape(n_perm, c, c)
    uf1_a, uar_a = batch_scores(pa)
    uf1_b, uar_b = batch_scores(pb)
    obs_uf1_a, obs_uar_a = batch_scores(a.sum(axis=0)[None])
    obs_uf1_b, obs_uar_b = batch_scores(b.sum(axis=0)[None])
    out = {"method": f"paired permutation over subjects, {n_perm} permutations, seed {seed}"}
    for name, obs, perm in (("uf1", obs_uf1_a[0] - obs_uf1_b[0], uf1_a - uf1_b),
                            ("uar", obs_uar_a[0] - obs_uar_b[0], uar_a - uar_b)):
        extreme = np.sum(np.abs(perm) >= abs(obs) - 1e-12)
        out[name] = {"difference": float(obs), "p_value": float((extreme + 1) / (n_perm + 1))}
    return out


def _plain(x):
    return x.item() if hasattr(x, "item") else x
