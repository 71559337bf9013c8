"""Sanity of labeller A's events (stage1.csv), each problem located by file and line.

A bad label must stop the labelling, not vanish later: an onset after its offset used to become a
0-frame cut that fell out of every count, and an apex after the offset was clamped to the last frame.
Checked here, before any rule is applied: frame numbers are whole numbers, onset <= offset, the apex
(emotion classes) lies in [onset, offset] and No-ME has none, the subject is a participant spelling,
one participant's events do not overlap, and, when the recordings are given, the recording exists,
the marked point lies inside its frame and the event ends before the recording does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..release.labels import NO_ME, normalise_subject


@dataclass(frozen=True)
class RecordingInfo:
    """What the checks need to know of one recording: its frame count and frame size."""

    n_frames: int
    width: int
    height: int


def recording_infos(recordings_dir: str | Path) -> dict[str, RecordingInfo]:
    """Frame count and size of every recording (by file stem) in ``recordings_dir``, counted by decoding."""
    import cv2

    from .segment import VIDEO_SUFFIXES

    infos = {}
    for f in sorted(Path(recordings_dir).iterdir()):
        if f.suffix.lower() not in VIDEO_SUFFIXES:
            continue
        cap = cv2.VideoCapture(str(f))
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        n = 0
        while cap.grab():  # the container's frame count can be wrong; grabbing is exact and cheap
            n += 1
        cap.release()
        infos[f.stem] = RecordingInfo(n, w, h)
    return infos


def _int(value: str) -> int | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return int(f) if f == int(f) else None


def stage1_problems(df: pd.DataFrame, name: str, recordings: dict[str, RecordingInfo] | None = None) -> list[str]:
    """Every problem of stage-1 table ``df`` (index = file line numbers, canonical classes), as
    ``"<name> line N: ..."``; ``recordings`` (name -> info) adds the checks against the recordings."""
    problems = []
    spans: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for line, row in df.iterrows():
        where = f"{name} line {line}"
        on, off = _int(row["onset"]), _int(row["offset"])
        apex_text = str(row["apex"]).strip()
        apex = _int(apex_text) if apex_text else None
        bad = [c for c, v in (("onset", on), ("offset", off)) if v is None or v < 0]
        if apex_text and apex is None:
            bad.append("apex")
        if bad:
            problems.append(f"{where}: {', '.join(bad)} not a frame number")
            continue
        if on > off:
            problems.append(f"{where}: onset {on} is after offset {off}")
        if row["class"] == NO_ME and apex is not None:
            problems.append(f"{where}: a no-me event has an apex ({apex})")
        elif row["class"] != NO_ME and apex is None:
            problems.append(f"{where}: a {row['class']} event has no apex")
        elif apex is not None and on <= off and not on <= apex <= off:
            problems.append(f"{where}: apex {apex} is outside [onset {on}, offset {off}]")
        subject = normalise_subject(str(row["subject"]))
        if subject is None:
            problems.append(f"{where}: unknown participant {row['subject']!r}")
        x, y = _coordinate(row["x"]), _coordinate(row["y"])
        if x is None or y is None:
            problems.append(f"{where}: the marked point ({row['x']}, {row['y']}) is not a pixel position")
        if recordings is not None:
            info = recordings.get(str(row["recording"]))
            if info is None:
                problems.append(f"{where}: unknown recording {row['recording']!r}")
            else:
                if off >= info.n_frames:
                    problems.append(f"{where}: offset {off} is past the end of {row['recording']} "
                                    f"({info.n_frames} frames)")
                if x is not None and y is not None and not (0 <= x < info.width and 0 <= y < info.height):
                    problems.append(f"{where}: the marked point ({x:g}, {y:g}) is outside {row['recording']}'s "
                                    f"{info.width}x{info.height} frame")
        if subject is not None and on <= off:
            spans.setdefault((str(row["recording"]), subject), []).append((on, off, line))
    for (rec, subject), events in spans.items():
        events.sort()
        reach = events[0]  # the event reaching furthest so far: any later onset before its offset overlaps it
        for b_on, b_off, b_line in events[1:]:
            a_on, a_off, a_line = reach
            if b_on <= a_off:
                problems.append(f"{name} line {b_line}: overlaps line {a_line}, an event of the same participant "
                                f"{subject} in {rec} (frames {b_on}-{b_off} and {a_on}-{a_off})")
            if b_off > a_off:
                reach = (b_on, b_off, b_line)
    return problems


def _coordinate(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v
