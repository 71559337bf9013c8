"""Fixtures written in each dataset's documented layout: label spreadsheets with their real column
names and quirks (SAMM's title rows, unnamed CASME II columns), frame folders of tiny generated
images numbered as the datasets number them. Factories, so each test writes the variant it needs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SIZE = 24


def write_frames(folder: Path, numbers, pattern: str, seed: int = 0, images=None) -> None:
    """Frames ``pattern.format(n)`` in ``folder``: given ``images`` (BGR arrays, one per number) or noise."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i, n in enumerate(numbers):
        image = images[i] if images is not None else rng.integers(0, 255, (SIZE, SIZE, 3), dtype=np.uint8)
        assert cv2.imwrite(str(folder / pattern.format(n)), image)


def _xlsx(path: Path, rows: list[list], title_rows: list[list] | None = None) -> Path:
    """A sheet with optional title rows above the header (``rows[0]``), as the datasets ship them."""
    grid = (title_rows or []) + rows
    width = max(len(r) for r in grid)
    pd.DataFrame([r + [None] * (width - len(r)) for r in grid]).to_excel(path, header=False, index=False)
    return path


CASME2_HEADER = ["Subject", "Filename", None, "OnsetFrame", "ApexFrame", "OffsetFrame", None, "Action Units",
                 "Estimated Emotion"]


def casme2_layout(root: Path, rows, frames: dict | None = None) -> Path:
    """rows: (subject, clip, onset, apex, offset, aus, emotion); frames: clip -> frame numbers in its
    folder (default onset..offset)."""
    root.mkdir(parents=True, exist_ok=True)
    body = [[s, c, i + 1, on, ap, off, None, au, em] for i, (s, c, on, ap, off, au, em) in enumerate(rows)]
    _xlsx(root / "CASME2-coding-20140508.xlsx", [CASME2_HEADER] + body)
    for i, (s, c, on, ap, off, au, em) in enumerate(rows):
        numbers = (frames or {}).get(c, range(int(on), int(off) + 1)) if isinstance(on, int) and isinstance(off, int) \
            else (frames or {}).get(c, range(1, 6))
        write_frames(root / "CASME2_RAW_selected" / f"sub{int(s):02d}" / c, numbers, "img{}.jpg", seed=i)
    return root


SAMM_HEADER = ["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame", "Offset Frame", "Duration",
               "Type", "Action Units", "Notes", "Estimated Emotion", "Objective Classes"]
SAMM_TITLE = [["SAMM Micro-Movement FACS Codes"], ["Version 2"], [], ["Columns are described below"]]


def samm_layout(root: Path, rows) -> Path:
    """rows: (subject '006', clip '006_1_2', onset, apex, offset, aus, emotion)."""
    root.mkdir(parents=True, exist_ok=True)
    body = [[s, c, 1, on, ap, off, None, "Micro - 1/2", au, None, em, "I"] for s, c, on, ap, off, au, em in rows]
    _xlsx(root / "SAMM_Micro_FACS_Codes_v2.xlsx", [SAMM_HEADER] + body, SAMM_TITLE)
    for i, (s, c, on, ap, off, au, em) in enumerate(rows):
        write_frames(root / "SAMM" / s / c, range(int(on), int(off) + 1), f"{s}_{{:05d}}.jpg", seed=i)
    return root


def smic_layout(root: Path, clips, mode: str = "HS") -> Path:
    """clips: (subject 's1', class folder, clip name, first frame number, n frames)."""
    for i, (s, cls, clip, first, n) in enumerate(clips):
        write_frames(root / mode / s / "micro" / cls / clip, range(first, first + n), "image{:06d}.bmp", seed=i)
    return root


CASME3_HEADER = ["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class", "emotion"]


def casme3_layout(root: Path, rows) -> Path:
    """rows: (subject 'spNO.1', recording 'a', onset, apex, offset, aus, emotion); frames 0..offset+2."""
    root.mkdir(parents=True, exist_ok=True)
    _xlsx(root / "CAS(ME)3_part_A_ME_label_JpgIndex_v2.xlsx",
          [CASME3_HEADER] + [[s, f, on, ap, off, au, 1, em] for s, f, on, ap, off, au, em in rows])
    last = {}
    for s, f, on, ap, off, au, em in rows:
        last[(s, f)] = max(last.get((s, f), 0), int(off) + 2)
    for i, ((s, f), end) in enumerate(sorted(last.items())):
        write_frames(root / "part_A" / s / f / "color", range(0, end + 1), "{}.jpg", seed=i)
    return root


@pytest.fixture(scope="session")
def layouts():
    return {"casme2": casme2_layout, "samm": samm_layout, "smic": smic_layout, "casme3a": casme3_layout,
            "dfme": dfme_layout, "frames": write_frames}


DFME_HEADER = ["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Emotion"]


def dfme_layout(root: Path, rows, part_column: str | None = None, header=None, frames: str = "PART_{part}/{subject}/{clip}",
                suffix: str = "xlsx") -> Path:
    """rows: (part 'A', subject 1, clip 'c1', onset, apex, offset, aus, emotion). The packaged default
    map's layout (itself unconfirmed): one label table per part, ``DFME_PART_<p>_label.xlsx``, frames
    ``PART_<p>/<subject>/<clip>/<n>.jpg``; with ``part_column`` one table holding the part in that
    column. ``header`` renames the columns (a user's own names)."""
    root.mkdir(parents=True, exist_ok=True)
    header = list(header or DFME_HEADER)
    tables: dict[str, list] = {}
    for p, s, c, on, ap, off, au, em in rows:
        body = [s, c, on, ap, off, au, em] + ([p] if part_column else [])
        tables.setdefault("all" if part_column else p, []).append(body)
    for key, body in tables.items():
        head = header + ([part_column] if part_column else [])
        name = "DFME_labels" if part_column else f"DFME_PART_{key}_label"
        if suffix == "csv":
            pd.DataFrame(body, columns=head).to_csv(root / f"{name}.csv", index=False)
        else:
            _xlsx(root / f"{name}.xlsx", [head] + body)
    for i, (p, s, c, on, ap, off, au, em) in enumerate(rows):
        if isinstance(on, int) and isinstance(off, int):
            write_frames(root / frames.format(part=p, subject=s, clip=c), range(on, off + 1), "{}.jpg", seed=i)
    return root
