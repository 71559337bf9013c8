"""The clips a feature stage works on, taken from the sample table (what `validate` found): the
stages never list, probe or hash the release themselves."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..release.sample_table import read_sample_table, require_videos


@dataclass(frozen=True)
class Clip:
    sample_id: str
    path: str  # the video file: the release folder joined with the table's release-relative path
    n_frames: int
    apex_frame: int | None  # None on No-ME clips
    marks: tuple | None = None  # (key_frames, points, status) from the landmarks stage, when needed


def load_clips(samples: str | Path, release: str | Path) -> list[Clip]:
    """One Clip per row of the sample table, in its order; refuses a metadata-only table."""
    table = require_videos(read_sample_table(samples), samples)
    root = Path(release)
    return [Clip(sid, str(root / path), int(n), None if apex is pd.NA else int(apex))
            for sid, path, n, apex in zip(table["sample_id"], table["path"], table["n_frames"], table["apex_frame"])]


def load_landmarks(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """sample_id -> (key_frames 3, points 3 x 68 x 2, status 3)."""
    z = np.load(path)
    return {str(s): (k, p, st) for s, k, p, st in zip(z["sample_id"], z["key_frames"], z["points"], z["status"])}


def with_marks(clips: list[Clip], landmarks: Path) -> list[Clip]:
    """Attach each clip's own landmarks, so a worker receives only what its clips need."""
    marks = load_landmarks(landmarks)
    return [replace(c, marks=marks.get(c.sample_id)) for c in clips]
