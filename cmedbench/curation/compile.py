"""Compile accepted labels and segments into a release: cut each event onset..offset from its segment.

An event belongs to the segment of its recording whose area holds the point the labeller marked and
whose time span holds the whole event. Events in segments carrying an exclusion flag (several faces,
likely facilitator, face missing, rotation, black bars) are left out and listed, never dropped
silently. The apex is re-based on the cut clip; No-ME events have none. The result has the CMED
layout and passes `cmedbench validate`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from ..atomic import staged_dir, write_text
from ..release.labels import NO_ME, normalise_subject
from ..release.layout import write_release
from .segment import SegmentError, read_segments

EXCLUDING_FLAGS = ("multiple_faces", "likely_facilitator", "face_missing", "rotation", "black_bars")


class CompileError(ValueError):
    """Inputs that cannot make a release: a missing table, an unknown subject, nothing left to cut."""


def place_events(accepted: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Adds segment, offset_in_segment and why (empty when placed) to every accepted event."""
    rows = []
    for e in accepted.to_dict("records"):
        x, y, on, off = float(e["x"]), float(e["y"]), int(e["onset"]), int(e["offset"])
        cand = segments[(segments["recording"] == e["recording"]) & (segments["x"] <= x)
                        & (x < segments["x"] + segments["side"]) & (segments["y"] <= y)
                        & (y < segments["y"] + segments["side"]) & (segments["start"] <= on) & (off < segments["end"])]
        seg, why = None, ""
        if cand.empty:
            why = "no segment holds the event (dropped by the splitter, or a share span)"
        else:
            seg = cand.iloc[0]
            flags = [f for f in str(seg["flags"] or "").split(";") if f in EXCLUDING_FLAGS]
            if flags:
                why = f"segment {seg['segment']} is flagged: {', '.join(flags)}"
        rows.append({**e, "segment": None if seg is None else seg["segment"],
                     "segment_file": None if seg is None else seg["file"],
                     "segment_start": None if seg is None else int(seg["start"]), "excluded": why})
    return pd.DataFrame(rows)


def cut(src: Path, dst: Path, first: int, last: int, fps: float) -> int:
    import cv2

    cap = cv2.VideoCapture(str(src))
    writer = None
    n = 0
    try:
        i = 0
        while i <= last:
            ok, frame = cap.read()
            if not ok:
                break
            if i >= first:
                if writer is None:
                    h, w = frame.shape[:2]
                    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
                writer.write(frame)
                n += 1
            i += 1
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    return n


def compile_release(segments_dir: str | Path, labels_dir: str | Path, out: str | Path, force: bool = False) -> dict:
    """Cut every accepted event that lies in an unflagged segment into a CMED-layout release at ``out``
    (built beside it, swapped in on success); returns the clip count, exclusions and class counts."""
    segments_dir, labels_dir, out = Path(segments_dir), Path(labels_dir), Path(out)
    try:
        segments = read_segments(segments_dir)
    except SegmentError as exc:
        raise CompileError(str(exc)) from None
    acc_csv = labels_dir / "accepted.csv"
    if not acc_csv.is_file():
        raise CompileError(f"{acc_csv} not found (reconcile the labels first)")
    accepted = pd.read_csv(acc_csv, dtype={"apex": "Int64"})
    placed = place_events(accepted, segments)
    with staged_dir(out, force) as tmp:
        scratch = tmp / ".cut"
        scratch.mkdir()
        rows, videos = [], []
        for e in placed[placed["excluded"] == ""].to_dict("records"):
            first = int(e["onset"]) - int(e["segment_start"])
            last = int(e["offset"]) - int(e["segment_start"])
            name = f"{e['recording']}_{e['event_id']}.mp4"
            fps = float(segments.loc[segments["segment"] == e["segment"], "fps"].iloc[0])
            n = cut(segments_dir / e["segment_file"], scratch / name, first, last, fps)
            if n == 0:
                continue
            subject = normalise_subject(e["subject"])
            if subject is None:
                raise CompileError(f"{acc_csv}: event {e['event_id']} has an unrecognised subject {e['subject']!r}")
            apex = None if e["label"] == NO_ME or pd.isna(e["apex"]) else min(max(int(e["apex"]) - int(e["onset"]), 0),
                                                                                  n - 1)
            videos.append((len(rows), scratch / name))
            rows.append({"subject": subject, "filename": name, "emotion": e["label"], "apex_frame": apex,
                         "recording": e["recording"], "event_id": e["event_id"], "segment": e["segment"]})
        if not rows:
            raise CompileError("no accepted event could be placed in an unflagged segment; see the placement report")
        table = pd.DataFrame(rows)
        table["apex_frame"] = table["apex_frame"].astype("Int64")
        write_release(tmp, table, videos, flat=True, extra_columns=("recording", "event_id", "segment"))
        shutil.rmtree(scratch)
        buf = placed.drop(columns=["segment_file"]).to_csv(index=False, lineterminator="\n")
        write_text(tmp / "compile_report.csv", buf)
    return {"clips": len(rows), "excluded": int((placed["excluded"] != "").sum()),
            "classes": {k: int(v) for k, v in pd.Series([r["emotion"] for r in rows]).value_counts().items()}}
