"""The segmenter's outputs as tables: ``segments.csv`` (what is kept) and ``dropped.csv`` (what is not).

A segment is a row, not a video: the recording and its source file, the participant, the square area
(x, y, side in recording pixels), the frame range [start, end) and the flags with their evidence.
``compile`` cuts clips from the source with these rows, so footage is encoded once. Every appearance
the segmenter saw but did not keep (too short, not confirmed as a face) and every screen-share span
is a row of ``dropped.csv`` with its frame range and reason: the counts always add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..atomic import write_text

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi")  # what a folder of recordings is searched for
SEGMENTS_CSV = "segments.csv"
DROPPED_CSV = "dropped.csv"
SEGMENT_COLUMNS = ("segment", "recording", "source", "participant", "x", "y", "side", "crop",
                   "tile_x0", "tile_y0", "tile_x1", "tile_y1", "layout", "padding", "start", "end", "n_frames",
                   "fps", "flags", "median_roll_deg", "mouth_motion", "speaking_ratio", "share_ownership",
                   "facilitator_evidence", "dark_border", "samples", "samples_with_face", "samples_multiple")
DROPPED_COLUMNS = ("recording", "participant", "x", "y", "side", "start", "end", "n_frames", "reason")
ROSTER_DIR = "roster"
ROSTER_COLUMNS = ("participant", "name", "segments", "tiles", "appearances", "frames", "thumbnail")


class SegmentError(ValueError):
    """A recording the segmenter cannot read, or a segments table that is not one."""


class NoRecordings(SegmentError):
    """The given folders hold no recording."""


def find_recordings(paths: Iterable[str | Path]) -> list[Path]:
    """Each path is a recording, or a folder whose .mp4/.mov/.avi files (sorted) are recordings."""
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(f for f in p.iterdir() if f.suffix.lower() in VIDEO_SUFFIXES) if p.is_dir() else [p]
    if not files:
        raise NoRecordings("no recording (.mp4, .mov, .avi) found in the given folders")
    return files


def _write(rows: Iterable[dict], columns: tuple[str, ...], path: Path) -> Path:
    import pandas as pd

    return write_text(path, pd.DataFrame(list(rows), columns=list(columns)).to_csv(index=False, lineterminator="\n"))


def write_segments(segments: Iterable[dict], folder: str | Path, dropped: Iterable[dict] = ()) -> Path:
    """``folder/segments.csv`` (``SEGMENT_COLUMNS``) and ``folder/dropped.csv`` (``DROPPED_COLUMNS``)."""
    _write(dropped, DROPPED_COLUMNS, Path(folder) / DROPPED_CSV)
    return _write(segments, SEGMENT_COLUMNS, Path(folder) / SEGMENTS_CSV)


def _read(path: Path, columns: tuple[str, ...]):
    import pandas as pd

    if not path.is_file():
        raise SegmentError(f"{path} not found (segment the recordings first)")
    table = pd.read_csv(path, keep_default_na=False)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise SegmentError(f"{path}: missing column(s) {', '.join(missing)}")
    return table


def read_segments(folder: str | Path):
    """``folder/segments.csv`` as a table (empty flags stay empty strings); refuses a file that is not one."""
    return _read(Path(folder) / SEGMENTS_CSV, SEGMENT_COLUMNS)


def read_dropped(folder: str | Path):
    """``folder/dropped.csv`` as a table; refuses a file that is not one."""
    return _read(Path(folder) / DROPPED_CSV, DROPPED_COLUMNS)


def write_roster(found, folder: str | Path) -> Path | None:
    """``folder/roster/<recording>.csv``: one row per participant (segments, tiles, appearances, frames, a
    thumbnail ``roster/<participant>.jpg``) with a ``name`` column for the curator (e.g. Subject_NN)."""
    import cv2
    import pandas as pd

    if not found.segments:
        return None
    out = Path(folder) / ROSTER_DIR
    out.mkdir(exist_ok=True)
    rows = {}
    for seg in found.segments:
        r = rows.setdefault(seg["participant"], {"participant": seg["participant"], "name": seg["participant"],
                                                 "segments": [], "tiles": [], "appearances": 0, "frames": 0,
                                                 "thumbnail": ""})
        r["segments"].append(seg["segment"])
        tile = f"{seg['tile_x0']}:{seg['tile_y0']}-{seg['tile_x1']}:{seg['tile_y1']}"
        if tile not in r["tiles"]:
            r["tiles"].append(tile)
        r["appearances"] += 1
        r["frames"] += seg["n_frames"]
    for pid, r in rows.items():
        if pid in found.thumbs:
            cv2.imwrite(str(out / f"{pid}.jpg"), found.thumbs[pid])
            r["thumbnail"] = f"{ROSTER_DIR}/{pid}.jpg"
        r["segments"], r["tiles"] = ";".join(r["segments"]), ";".join(r["tiles"])
    recording = found.segments[0]["recording"]
    table = pd.DataFrame(list(rows.values()), columns=list(ROSTER_COLUMNS))
    return write_text(out / f"{recording}.csv", table.to_csv(index=False, lineterminator="\n"))
