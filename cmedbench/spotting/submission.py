"""Parsing an interval prediction file: every problem in one pass, located by line.

Format (CSV, UTF-8, header required, rows in any order)::

    video_id,onset,offset[,label][,score]

One row per spotted interval, zero or more per video. ``onset``/``offset`` are whole frame numbers of
the video, ends included, ``0 <= onset <= offset < n_frames``; intervals of one video may not overlap
(unless the task allows it); ``label`` (required by Spot-then-Recognize, ignored otherwise) is one of
the task's classes; ``score`` (optional) a finite number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
from dataclasses import dataclass

import numpy as np

from ..bench.submission import SubmissionError, is_number, read_bytes
from ..bounded import is_blank
from ..problems import Problem
from .benchmark import SpottingBench

CHECK = "interval submission"
MIN_LIMIT = 1 << 20
BYTES_PER_FRAME = 8  # a row is < 80 bytes and an interval spans at least one frame; generous


@dataclass(frozen=True)
class IntervalSubmission:
    spots: dict  # video (int code into bench.video_ids), onset, offset, fps, label (or None), score (or None)
    sha256: str
    n_rows: int
    warnings: tuple[Problem, ...] = ()
    data: bytes = b""

    def _key(self):
        s = self.spots
        order = np.lexsort((s["offset"], s["onset"], s["video"]))
        labels = None if s.get("label") is None else s["label"][order].tolist()
        scores = None if s.get("score") is None else s["score"][order].tolist()
        return (s["video"][order].tolist(), s["onset"][order].tolist(), s["offset"][order].tolist(), labels, scores)

    def same_predictions(self, other: IntervalSubmission) -> bool:
        """Equal intervals, labels and scores, in whatever row order or formatting."""
        return self._key() == other._key()


def expected_format(bench: SpottingBench) -> str:
    label = (f"label is required, one of: {', '.join(bench.task.labels)}. " if bench.task.labelled
             else "label is ignored by this task. ")
    return (f"CSV, UTF-8, one header line then one row per spotted interval of task {bench.task.name!r}, any order.\n"
            "Columns: video_id, onset, offset (whole frames of the video, ends included), optional label, score.\n"
            + label + f"video_id is one of the {len(bench.video_ids)} videos of videos.csv; "
            "intervals of one video may not overlap.")


def size_limit(bench: SpottingBench) -> int:
    return max(MIN_LIMIT, BYTES_PER_FRAME * int(bench.n_frames.sum()))


def _whole(text: str) -> int | None:
    t = text.strip()
    if t.lstrip("-").isdigit():
        return int(t)
    return None


def parse_intervals(source: str | os.PathLike | bytes, bench: SpottingBench) -> IntervalSubmission:
    """Validate and align an interval prediction file; SubmissionError lists every problem."""
    data, name = read_bytes(source, size_limit(bench))
    problems: list[Problem] = []
    warnings: list[Problem] = []

    def bad(message, line=None, column=None, value=None):
        problems.append(Problem(CHECK, "error", message, name, line, column, value))

    if is_blank(data):
        raise SubmissionError([Problem(CHECK, "error", "the file is empty (a header line is required even when "
                                                       "nothing was spotted)", name)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError([Problem(CHECK, "error", f"not UTF-8 (byte {exc.start + 1})", name)]) from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise SubmissionError([Problem(CHECK, "error", f"not a CSV file ({exc})", name)]) from None
    header = [h.strip() for h in rows[0]]
    known = {"video_id", "onset", "offset", "label", "score"}
    for col in ("video_id", "onset", "offset"):
        if col not in header:
            bad(f"required column {col!r} is missing (header: {', '.join(header)[:120]})", 1, col)
    if bench.task.labelled and "label" not in header:
        bad(f"column 'label' is required by task {bench.task.name!r}", 1, "label")
    for col in header:
        if col not in known:
            bad(f"unknown column {col!r}; allowed: video_id, onset, offset, label, score", 1, col)
    if len(set(header)) != len(header):
        bad("a column name appears twice", 1)
    if problems:
        raise SubmissionError(problems)
    if "label" in header and not bench.task.labelled:
        warnings.append(Problem(CHECK, "warning", f"column 'label' is ignored by task {bench.task.name!r}", name, 1,
                                "label"))
    col = {h: i for i, h in enumerate(header)}
    index = bench.index_of()
    labels = set(bench.task.labels)
    video, onset, offset, label, score, lines = [], [], [], [], [], []
    for line, row in enumerate(rows[1:], 2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            bad(f"{len(row)} fields, the header has {len(header)}", line)
            continue
        vid = row[col["video_id"]].strip()
        ok = True
        if vid not in index:
            bad(f"unknown video_id {vid[:60]!r}", line, "video_id", vid[:60])
            ok = False
        on, off = _whole(row[col["onset"]]), _whole(row[col["offset"]])
        for c, v in (("onset", on), ("offset", off)):
            if v is None:
                bad(f"{c} must be a whole frame number, not {row[col[c]][:30]!r}", line, c)
                ok = False
        if on is not None and off is not None:
            if on > off:
                bad(f"onset {on} is after offset {off}", line, "onset")
                ok = False
            elif vid in index and (on < 0 or off >= bench.n_frames[index[vid]]):
                bad(f"interval {on}-{off} is outside video {vid} (frames 0-{bench.n_frames[index[vid]] - 1})", line,
                    "offset")
                ok = False
        lab = row[col["label"]].strip() if "label" in col else ""
        if bench.task.labelled and lab not in labels:
            bad(f"label {lab[:30]!r} is not one of {', '.join(bench.task.labels)}", line, "label", lab[:30])
            ok = False
        sc = math.nan
        if "score" in col and row[col["score"]].strip():
            t = row[col["score"]].strip()
            if not is_number(t) or not math.isfinite(float(t)):
                bad(f"score must be a finite number, not {t[:30]!r}", line, "score")
                ok = False
            else:
                sc = float(t)
        if ok:
            video.append(index[vid])
            onset.append(on)
            offset.append(off)
            label.append(lab)
            score.append(sc)
            lines.append(line)
    v, on_a, off_a = np.array(video, np.int64), np.array(onset, np.int64), np.array(offset, np.int64)
    if not bench.task.allow_overlap and len(v):
        order = np.lexsort((on_a, v))
        big = int(max(off_a.max(), 0)) + 2  # videos laid end to end: the running maximum restarts per video
        reach = np.maximum.accumulate(v[order] * big + off_a[order])[:-1]
        clash = (v[order][1:] == v[order][:-1]) & (v[order][1:] * big + on_a[order][1:] <= reach)
        for k in np.flatnonzero(clash)[:50]:
            a, b = order[k], order[k + 1]
            bad(f"interval {on_a[b]}-{off_a[b]} overlaps interval {on_a[a]}-{off_a[a]} (line {lines[a]}) of video "
                f"{bench.video_ids[v[b]]}; this task does not allow overlapping intervals", lines[b], "onset")
    if problems:
        raise SubmissionError(sorted(problems, key=lambda q: q.line or 0))
    spots = {"video": v, "onset": on_a, "offset": off_a, "fps": bench.fps[v] if len(v) else np.zeros(0),
             "label": np.array(label, dtype=object) if bench.task.labelled else None,
             "score": np.array(score, float) if "score" in col else None}
    return IntervalSubmission(spots, hashlib.sha256(data).hexdigest(), len(v), tuple(warnings), data)
