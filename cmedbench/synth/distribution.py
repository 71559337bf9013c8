"""How many clips of which class each synthetic subject gets: Table V, scaled.

At ``scale=1`` with all 74 subjects the result is Table V exactly. At smaller scales each class keeps
its share (rounded, at least one clip when the chosen subjects have it in Table V) and that share is
split across subjects in proportion to their Table V counts (largest remainders), so rare classes stay
rare but present; every chosen subject keeps at least one clip.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..release.labels import LABELS, NO_ME
from ..release.profiles import THREE_CLASS, load_profile
from .synth_config import SynthConfigError

SOURCE_PROFILE = "cmed-v1"


def scaled_counts(subjects: int | None = None, scale: float = 1.0) -> pd.DataFrame:
    """Subject x class counts (canonical labels) following Table V at ``scale``."""
    table_v = load_profile(SOURCE_PROFILE).subject_counts
    n_all = len(table_v)
    subjects = n_all if subjects is None else subjects
    if not 1 <= subjects <= n_all:
        raise SynthConfigError("subjects", f"the number of subjects must be between 1 and {n_all} (Table V has "
                                           f"{n_all}), not {subjects}")
    if not (scale > 0 and np.isfinite(scale)):
        raise SynthConfigError("scale", f"the scale must be a positive number, not {scale}")
    base = table_v.iloc[:subjects]
    b = base.to_numpy()
    counts = np.zeros_like(b)
    for j in range(b.shape[1]):  # per class: keep its share, then split it across subjects
        total = b[:, j].sum()
        if total == 0:
            continue
        target = max(1, int(np.floor(total * scale + 0.5)))
        counts[:, j] = _largest_remainder(b[:, j] * (target / total), target)
    for i in range(counts.shape[0]):
        if counts[i].sum() == 0:  # every chosen subject keeps at least one clip
            counts[i, int(b[i].argmax())] = 1
    return pd.DataFrame(counts, index=base.index, columns=base.columns)


def balanced_counts(subjects: int, per_class: int) -> pd.DataFrame:
    """``per_class`` clips of every class for each of the first ``subjects`` subjects of Table V: not
    CMED's shape, but every emotion (so every rendered action unit) is common enough to measure."""
    base = scaled_counts(subjects, 1.0)
    return pd.DataFrame(per_class, index=base.index, columns=base.columns)


def _largest_remainder(quotas: np.ndarray, total: int) -> np.ndarray:
    """Integers summing to ``total`` closest to ``quotas`` (Hamilton's method; ties to the earlier subject)."""
    floor = np.floor(quotas).astype(int)
    short = total - floor.sum()
    order = np.argsort(-(quotas - floor), kind="stable")
    floor[order[:short]] += 1
    return floor


def profile_for(counts: pd.DataFrame, name: str) -> dict:
    """The profile a release with these counts must satisfy (same format as cmed-v1.yaml)."""
    classes = {label: int(counts[label].sum()) for label in LABELS}
    three: dict[str, int] = {}
    for emotion, group in THREE_CLASS.items():
        three[group] = three.get(group, 0) + classes[emotion]
    return {
        "name": name,
        "description": "synthetic release written by cmedbench synth release",
        "classes": classes,
        "total": int(counts.to_numpy().sum()),
        "total_emotion": int(sum(v for k, v in classes.items() if k != NO_ME)),
        "three_class": three,
        "subject_columns": list(LABELS),
        "subjects": {s: [int(v) for v in row] for s, row in zip(counts.index, counts[list(LABELS)].to_numpy())},
    }


def expand_counts(counts: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One (subject, emotion) row per clip the counts call for, shuffled, with neutral file names."""
    long = counts.stack().rename("n").reset_index()
    long.columns = ["subject", "emotion", "n"]
    rows = long.loc[long.index.repeat(long["n"])].reset_index(drop=True)
    rows = rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)[["subject", "emotion"]]
    rows["filename"] = [f"clip_{i:05d}.mp4" for i in range(1, len(rows) + 1)]
    return rows


def metadata_table(counts: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Canonical metadata rows for the counts (apex placeholders on emotion rows): for tests and tools
    that need a release's table but no videos."""
    rng = np.random.default_rng(seed)
    rows = expand_counts(counts, rng)
    apex = rng.integers(1, 30, size=len(rows))
    return pd.DataFrame({
        "subject": rows["subject"].astype("string"),
        "filename": rows["filename"].astype("string"),
        "emotion": rows["emotion"].astype("string"),
        "apex_frame": pd.array([pd.NA if e == NO_ME else int(a) for e, a in zip(rows["emotion"], apex)],
                               dtype="Int64"),
    })
