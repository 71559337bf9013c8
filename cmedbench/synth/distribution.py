"""How many clips of which class each synthetic subject gets: Table V, scaled.

At ``scale=1`` with all 74 subjects the result is Table V exactly. Smaller scales round each cell,
then make sure every class the chosen subjects have in Table V survives at least once (given to the
subject with the most of it) and that every chosen subject keeps at least one clip, so rare classes
stay rare but present.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..atomic import OutputExists, commit_dir, prepare_dir, write_text
from ..release.labels import LABELS, NO_ME
from ..release.layout import write_release
from ..release.profiles import THREE_CLASS, load_profile

SOURCE_PROFILE = "cmed-v1"


class DistributionError(ValueError):
    """An impossible request (too many subjects, non-positive scale, occupied output folder)."""


def scaled_counts(subjects: int | None = None, scale: float = 1.0) -> pd.DataFrame:
    """Subject x class counts (canonical labels) following Table V at ``scale``."""
    table_v = load_profile(SOURCE_PROFILE).subject_counts
    n_all = len(table_v)
    subjects = n_all if subjects is None else subjects
    if not 1 <= subjects <= n_all:
        raise DistributionError(f"--subjects must be between 1 and {n_all} (Table V has {n_all} subjects)")
    if not (scale > 0 and np.isfinite(scale)):
        raise DistributionError(f"--scale must be a positive number, got {scale}")
    base = table_v.iloc[:subjects]
    counts = np.floor(base.to_numpy() * scale + 0.5).astype(int)
    for j in range(counts.shape[1]):
        if counts[:, j].sum() == 0 and base.iloc[:, j].sum() > 0:
            counts[int(base.iloc[:, j].to_numpy().argmax()), j] = 1
    for i in range(counts.shape[0]):
        if counts[i].sum() == 0:
            counts[i, int(base.iloc[i].to_numpy().argmax())] = 1
    return pd.DataFrame(counts, index=base.index, columns=base.columns)


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


def metadata_table(counts: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Canonical rows for the counts, shuffled by ``seed``; apex placeholders on emotion rows."""
    long = counts.stack().rename("n").reset_index()
    long.columns = ["subject", "emotion", "n"]
    rows = long.loc[long.index.repeat(long["n"])].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    rows = rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)
    apex = rng.integers(1, 30, size=len(rows))
    return pd.DataFrame({
        "subject": rows["subject"].astype("string"),
        "filename": pd.Series([f"clip_{i:05d}.mp4" for i in range(1, len(rows) + 1)], dtype="string"),
        "emotion": rows["emotion"].astype("string"),
        "apex_frame": pd.array([pd.NA if e == NO_ME else int(a) for e, a in zip(rows["emotion"], apex)],
                               dtype="Int64"),
    })


def write_metadata_release(out: Path, subjects: int | None = None, scale: float = 1.0, seed: int = 0,
                           force: bool = False) -> Path:
    counts = scaled_counts(subjects, scale)
    try:
        tmp = prepare_dir(out, force)
    except OutputExists as exc:
        raise DistributionError(str(exc)) from None
    try:
        table = metadata_table(counts, seed)
        write_release(tmp, table, videos=(), flat=False)
        name = "cmed-v1" if len(counts) == 74 and scale == 1.0 else f"synthetic-{len(counts)}s-x{scale:g}"
        write_text(tmp / "profile.yaml", yaml.safe_dump(profile_for(counts, name), sort_keys=False))
        (tmp / "FinalFullVideos_subjects").mkdir(exist_ok=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return commit_dir(tmp, out)
