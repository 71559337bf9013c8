"""The long-video release: one untrimmed video per participant span, cut from a gallery recording by
tile rectangle and frame range, and one events table for all of them.

```
release/
  videos/<video_id>.mp4    the participant's tile, frames start..end-1 of the recording, not re-timed
  videos.csv               video_id, participant, path, n_frames, fps, width, height, recording, start, x, y
  events.csv               video_id, onset, apex, offset, class, type   (frames of the video, ends included;
                           type me / macro, empty when unknown)
  manifest.json            what was cut and what was left out, and why
```

``Cut`` is everything one video needs (recording, rectangle, frame range, participant, events in the
recording's frame numbers); a segments table from the curation path supplies the same fields.
``synthetic_cuts`` reads them from a ``cmedbench synth raw`` folder.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import staged_dir, write_text

VIDEO_COLUMNS = ("video_id", "participant", "path", "n_frames", "fps", "width", "height", "recording", "start",
                 "x", "y")
EVENT_COLUMNS = ("video_id", "onset", "apex", "offset", "class", "type")
FORMAT = "cmedbench-long-videos-v1"


class LongVideoError(ValueError):
    """A recording or a cut that cannot be turned into a long video; the message names it."""


@dataclass(frozen=True)
class Event:
    onset: int  # recording frames, ends included
    apex: int | None
    offset: int
    label: str  # canonical emotion
    type: str = ""  # me, macro or '' (unknown)


@dataclass(frozen=True)
class Cut:
    video_id: str
    recording: Path
    rect: tuple[int, int, int, int]  # x, y, width, height in the recording's pixels
    start: int  # first frame (recording numbering)
    end: int  # one past the last frame
    participant: str
    events: tuple[Event, ...] = field(default=())


def csv_text(header, rows) -> str:
    """A header and rows as CSV text with \\n line ends (the long-video release's tables)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def event_rows(cut: Cut) -> tuple[list[tuple], int]:
    """The cut's events in its own frame numbering, and how many were left out for crossing its ends
    (events wholly outside it belong to other cuts)."""
    rows, dropped = [], 0
    for e in cut.events:
        if e.offset < cut.start or e.onset >= cut.end:
            continue
        if e.onset < cut.start or e.offset >= cut.end:
            dropped += 1
            continue
        apex = "" if e.apex is None else e.apex - cut.start
        rows.append((cut.video_id, e.onset - cut.start, apex, e.offset - cut.start, e.label, e.type))
    return rows, dropped


def write_cuts(recording: Path, cuts: list[Cut], out_dir: Path) -> dict[str, tuple[int, float]]:
    """Cut every video of one recording in one decoding pass; video_id -> (frames written, fps)."""
    import cv2

    cap = cv2.VideoCapture(str(recording))
    if not cap.isOpened():
        raise LongVideoError(f"{recording}: not a readable video")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    writers, written = {}, {c.video_id: 0 for c in cuts}
    last = max(c.end for c in cuts)
    try:
        for c in cuts:
            x, y, w, h = c.rect
            writers[c.video_id] = cv2.VideoWriter(str(out_dir / f"{c.video_id}.mp4"), cv2.VideoWriter_fourcc(*"mp4v"),
                                                  fps, (w, h))
        i = 0
        while i < last:
            ok, frame = cap.read()
            if not ok:
                break
            for c in cuts:
                if c.start <= i < c.end:
                    x, y, w, h = c.rect
                    writers[c.video_id].write(frame[y:y + h, x:x + w])
                    written[c.video_id] += 1
            i += 1
    finally:
        cap.release()
        for w in writers.values():
            w.release()
    short = [c.video_id for c in cuts if written[c.video_id] != c.end - c.start]
    if short:
        raise LongVideoError(f"{recording}: ends at frame {i}, before the end of {', '.join(short)}")
    return {c.video_id: (written[c.video_id], float(fps)) for c in cuts}


def build_long_release(cuts: list[Cut], out: Path, force: bool = False, source: dict | None = None) -> dict:
    """Cut every video, write videos.csv, events.csv and manifest.json into ``out`` (built aside, swapped
    in); returns the manifest."""
    ids = [c.video_id for c in cuts]
    if len(set(ids)) != len(ids):
        raise LongVideoError("two cuts share a video_id")
    for c in cuts:
        if c.end <= c.start or min(c.rect) < 0 or c.rect[2] == 0 or c.rect[3] == 0:
            raise LongVideoError(f"{c.video_id}: empty frame range or rectangle")
    with staged_dir(out, force) as tmp:
        (tmp / "videos").mkdir()
        facts: dict[str, tuple[int, float]] = {}
        for recording in sorted({c.recording for c in cuts}):
            facts.update(write_cuts(recording, [c for c in cuts if c.recording == recording], tmp / "videos"))
        videos, events, dropped = [], [], 0
        for c in sorted(cuts, key=lambda c: c.video_id):
            n, fps = facts[c.video_id]
            videos.append((c.video_id, c.participant, f"videos/{c.video_id}.mp4", n, fps, c.rect[2], c.rect[3],
                           Path(c.recording).stem, c.start, c.rect[0], c.rect[1]))
            rows, lost = event_rows(c)
            events += rows
            dropped += lost
        write_text(tmp / "videos.csv", csv_text(VIDEO_COLUMNS, videos))
        write_text(tmp / "events.csv", csv_text(EVENT_COLUMNS, events))
        manifest = {"format": FORMAT, "n_videos": len(videos), "n_events": len(events),
                    "n_participants": len({v[1] for v in videos}),
                    "events_left_out_crossing_a_cut": dropped, "source": source or {}}
        write_text(tmp / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest
