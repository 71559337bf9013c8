"""Protocols: a deterministic sample -> fold assignment, always subject-independent.

``loso``: one fold per subject (the CMED paper's LOSO-CV, Section IV).
``kfold-10``: subjects shuffled with a seed and dealt into 10 folds (DFME's subject-independent
10-fold). Folds are named by strings so fold files read back identically.
"""

from __future__ import annotations

import numpy as np

PROTOCOLS = ("loso", "kfold-10")


class ProtocolError(ValueError):
    pass


def assign_folds(subjects: np.ndarray | list[str], protocol: str, seed: int = 0) -> np.ndarray:
    """Fold name per sample; the same subject list and seed always give the same folds."""
    subjects = np.asarray(subjects, dtype=object)
    if protocol == "loso":
        return subjects.astype(str)
    if protocol.startswith("kfold-"):
        k = int(protocol.split("-", 1)[1])
        unique = np.array(sorted(set(subjects.tolist())), dtype=object)
        if len(unique) < k:
            raise ProtocolError(f"{protocol} needs at least {k} subjects, the release has {len(unique)}")
        order = np.random.default_rng(seed).permutation(len(unique))
        fold_of = {unique[j]: f"fold-{pos % k + 1:02d}" for pos, j in enumerate(order)}
        return np.array([fold_of[s] for s in subjects], dtype=object).astype(str)
    raise ProtocolError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
