"""Comparing two leaderboard records on the same samples: paired over subjects."""

from __future__ import annotations

import numpy as np

from .metrics import paired_permutation


class CompareError(ValueError):
    pass


def compare_records(a: dict, b: dict, n_perm: int = 10000, seed: int = 0) -> dict:
    for key in ("dataset_fingerprint", "task", "protocol", "fold_map_sha256", "n_samples"):
        if a[key] != b[key]:
            raise CompareError(f"records differ in {key} ({a[key]} vs {b[key]}); only results on the same "
                               "samples and folds can be compared")
    sa, sb = a["result"]["per_subject_confusion"], b["result"]["per_subject_confusion"]
    if sorted(sa) != sorted(sb):
        raise CompareError("records cover different subjects")
    subjects = sorted(sa)
    cms_a = np.array([sa[s] for s in subjects])
    cms_b = np.array([sb[s] for s in subjects])
    if not np.array_equal(cms_a.sum(axis=2), cms_b.sum(axis=2)):
        raise CompareError("records disagree on the true class counts per subject")
    return paired_permutation(cms_a, cms_b, n_perm, seed)
