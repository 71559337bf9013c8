"""``cmedbench curate review``: a page for the curator, one row per segment, and decisions.csv to edit.

Each row shows a strip of three frames (first, middle, last) cut with the segment's own crop, the
participant, the duration, and every flag with the evidence behind it, so a curator can see why a
segment would be excluded and overrule it. ``decisions.csv`` comes pre-filled from the flags (flagged:
exclude, otherwise keep); the curator edits it and passes it to ``compile``. Given the curator's
``roster_edits.csv`` (validated first), each row's participant cell also says what the edits do to it
(renamed ``Subject_NN``, merged into another participant).
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import staged_dir, write_text
from .crop import crop_square
from .decisions import prefilled
from .roster_edits import describe, read_roster_edits
from .segment_table import read_segments

THUMB = 120  # px, each frame of a strip
EVIDENCE = ("mouth_motion", "speaking_ratio", "share_ownership", "samples_multiple", "samples", "samples_with_face",
            "median_roll_deg", "dark_border", "padding", "facilitator_evidence")


@dataclass(frozen=True)
class Review:
    out: Path
    n_segments: int
    n_flagged: int


def _strip(source: str, seg: dict) -> np.ndarray:
    import cv2

    area = (int(seg["x"]), int(seg["y"]), int(seg["side"]))
    cap = cv2.VideoCapture(source)
    frames = []
    for idx in (int(seg["start"]), (int(seg["start"]) + int(seg["end"])) // 2, int(seg["end"]) - 1):
        cap.set(cv2.CAP_PROP_POS_FRAMES, idx)
        ok, frame = cap.read()
        frames.append(crop_square(frame, area, THUMB) if ok else np.zeros((THUMB, THUMB, 3), np.uint8))
    cap.release()
    return np.hstack(frames)


def _row(seg: dict, thumb: str, edit: str = "") -> str:
    flags = seg["flags"] or "none"
    evidence = ", ".join(f"{k} {seg[k]}" for k in EVIDENCE if k in seg and seg[k] != "")
    seconds = int(seg["n_frames"]) / float(seg["fps"])
    cells = [f'<img src="{html.escape(thumb)}" alt="{html.escape(seg["segment"])}">', seg["segment"],
             seg["participant"] + (f" ({edit})" if edit else ""),
             f"{seconds:.1f} s (frames {seg['start']}-{int(seg['end']) - 1})",
             f"<b>{html.escape(flags)}</b><br><small>{html.escape(evidence)}</small>"]
    return "<tr>" + "".join(f"<td>{c if i in (0, 4) else html.escape(str(c))}</td>" for i, c in enumerate(cells)) + "</tr>"


def write_review(segments_dir: str | Path, out: str | Path, force: bool = False,
                 roster_edits: str | Path | None = None) -> Review:
    """``out/review.html`` (one row per segment), ``out/thumbs/*.jpg`` and ``out/decisions.csv`` (pre-filled
    from the flags) for the segments in ``segments_dir``; ``roster_edits`` (optional): the curator's
    ``roster_edits.csv``, checked against the segments and shown per participant."""
    import cv2

    table = read_segments(segments_dir)
    edits = describe(read_roster_edits(roster_edits, table)) if roster_edits is not None else {}
    rows = []
    with staged_dir(out, force) as tmp:
        (tmp / "thumbs").mkdir()
        for seg in table.astype(str).to_dict("records"):
            name = f"thumbs/{seg['segment']}.jpg"
            cv2.imwrite(str(tmp / name), _strip(seg["source"], seg))
            rows.append(_row(seg, name, edits.get(seg["participant"], "")))
        page = ("<!doctype html><meta charset='utf-8'><title>cmedbench review</title>"
                "<style>td{border-bottom:1px solid #ccc;padding:4px;vertical-align:top}</style>"
                f"<h1>Segments of {html.escape(str(segments_dir))}</h1>"
                "<p>Edit decisions.csv (keep / exclude, with a reason) and pass it to <code>cmedbench compile</code>.</p>"
                "<table><tr><th>first, middle, last frame</th><th>segment</th><th>participant</th><th>duration</th>"
                "<th>flags and evidence</th></tr>" + "\n".join(rows) + "</table>\n")
        write_text(tmp / "review.html", page)
        buf = io.StringIO()
        prefilled(table).to_csv(buf, index=False, lineterminator="\n")
        write_text(tmp / "decisions.csv", buf.getvalue())
    return Review(Path(out), len(table), int((table["flags"].astype(str) != "").sum()))
