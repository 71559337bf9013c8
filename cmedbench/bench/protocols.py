"""Protocols: a deterministic sample -> fold assignment, always subject-independent.

``loso``: one fold per subject (the CMED paper's LOSO-CV, Section IV).
``kfold-10``: subjects shuffled with a seed and dealt into 10 folds (DFME's subject-independent
10-fold). Folds are named by strings so fold files read back identically.
``lodo`` (cross-dataset, leave one dataset out): one fold per dataset, for a release joined from
imported datasets (``cmedbench combine``), whose subjects carry their dataset (``casme2_sub_01``).
Scoring fold D is training on every other dataset and testing on D; a release joined from only A
and B gives "train on A, test on B" as its fold B.
"""

from __future__ import annotations

import numpy as np

PROTOCOLS = ("loso", "kfold-10")
DATASET_PROTOCOLS = ("lodo",)  # only where subjects name two or more datasets
_DATASET_SEP = "_sub_"


class ProtocolError(ValueError):
    pass


def assign_folds(subjects: np.ndarray | list[str], protocol: str, seed: int = 0) -> np.ndarray:
    """Fold name per sample; the same subject list and seed always give the same folds."""
    subjects = np.asarray(subjects, dtype=object)
    if protocol == "loso":
        return subjects.astype(str)
    if protocol == "lodo":
        datasets = np.array([dataset_of(s) for s in subjects.tolist()], dtype=object)
        if any(d is None for d in datasets.tolist()) or len(set(datasets.tolist())) < 2:
            raise ProtocolError("lodo needs subjects from two or more imported datasets (casme2_sub_01, ...)")
        return datasets.astype(str)
    if protocol.startswith("kfold-"):
        k = int(protocol.split("-", 1)[1])
        unique = np.array(sorted(set(subjects.tolist())), dtype=object)
        if len(unique) < k:
            raise ProtocolError(f"{protocol} needs at least {k} subjects, the release has {len(unique)}")
        order = np.random.default_rng(seed).permutation(len(unique))
        fold_of = {unique[j]: f"fold-{pos % k + 1:02d}" for pos, j in enumerate(order)}
        return np.array([fold_of[s] for s in subjects], dtype=object).astype(str)
    raise ProtocolError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS + DATASET_PROTOCOLS)}")


def dataset_of(subject: str) -> str | None:
    """The dataset an imported subject id names (``casme2_sub_01`` -> ``casme2``); None for CMED's."""
    head, sep, _ = str(subject).rpartition(_DATASET_SEP)
    return head if sep and head else None


def protocols_for(subjects: list[str] | np.ndarray) -> tuple[str, ...]:
    """The protocols a benchmark folder gets: always PROTOCOLS; ``lodo`` too when its subjects come from
    two or more datasets (a CMED release's fold maps are exactly what they were)."""
    datasets = {dataset_of(s) for s in subjects}
    return PROTOCOLS + (DATASET_PROTOCOLS if None not in datasets and len(datasets) >= 2 else ())
