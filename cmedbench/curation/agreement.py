"""Inter-labeller agreement: Cohen's kappa for two labellers, Fleiss' kappa for any number.

Fleiss' kappa as in DFME (seeds/002, Eq. 2-7): for N items, n ratings per item and k categories with
n_ij raters putting item i in category j,
  P_i = (sum_j n_ij^2 - n) / (n (n - 1)),  P_bar = mean_i P_i,
  p_j = sum_i n_ij / (N n),  P_e = sum_j p_j^2,  kappa = (P_bar - P_e) / (1 - P_e).
"""

from __future__ import annotations

import numpy as np


def cohen_kappa(a, b, labels=None) -> float:
    a, b = np.asarray(a), np.asarray(b)
    labels = sorted(set(a.tolist()) | set(b.tolist())) if labels is None else list(labels)
    idx = {label: i for i, label in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)))
    for x, y in zip(a, b):
        cm[idx[x], idx[y]] += 1
    n = cm.sum()
    p_o = np.trace(cm) / n
    p_e = (cm.sum(axis=1) @ cm.sum(axis=0)) / n**2
    return float((p_o - p_e) / (1 - p_e)) if p_e < 1 else 1.0


def fleiss_kappa(counts) -> float:
    """``counts``: N x k matrix, row i = how many raters chose each category for item i (equal row sums)."""
    counts = np.asarray(counts, dtype=np.float64)
    n_items = counts.shape[0]
    n = counts.sum(axis=1)
    if not np.allclose(n, n[0]) or n[0] < 2:
        raise ValueError("every item needs the same number (>= 2) of ratings")
    n = n[0]
    p_i = ((counts**2).sum(axis=1) - n) / (n * (n - 1))  # Eq. 2
    p_bar = p_i.mean()  # Eq. 3
    p_j = counts.sum(axis=0) / (n_items * n)  # Eq. 4
    p_e = (p_j**2).sum()  # Eq. 5
    return float((p_bar - p_e) / (1 - p_e)) if p_e < 1 else 1.0  # Eq. 6-7


def rating_counts(ratings: list[list[str]], labels: list[str]) -> np.ndarray:
    """Items x categories counts from each item's list of labels."""
    idx = {label: j for j, label in enumerate(labels)}
    out = np.zeros((len(ratings), len(labels)), dtype=np.int64)
    for i, row in enumerate(ratings):
        for label in row:
            out[i, idx[label]] += 1
    return out
