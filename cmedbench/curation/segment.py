"""The paper's Algorithm 1: gallery recordings -> one video per user appearance, every constant a parameter.

As written: every ``sample_every`` (60) frames read the next three frames, convert to grey, detect faces
with OpenCV's Haar cascade, keep the list with the most faces; a face outside every existing user's
frame area opens a new user (a writer of 300x300 crops); a user whose face is gone for more than
``close_after`` (60) frames is closed and saved; videos shorter than ``min_seconds`` (3 s) are deleted.
Here a "video" is a row of ``segments.csv`` (area and frame range, see ``segment_table``): ``compile``
cuts the clips from the source recording, so footage is encoded once, not twice.

What the paper did around it, and what we add (each can be switched off):

* screen-share frames (a slide fills the frame) are never written, so shares end segments;
* phantom users: boxes inside a bigger box are dropped, a face must be seen in at least ``min_votes``
  of the three frames, and a new user is opened only when dlib's HOG detector also finds a face there;
* ``refine``: a segment's first and last frames are found by detecting inside the user's area on the
  frames between two samples (a ring buffer before the opening sample, the unsaved tail before
  closing), instead of the 60-frame sampling grid;
* the manual exclusion criteria a tool can see are flagged, never silently dropped: more than one
  face in the area, face missing most of the time, strong head rotation, black bars, and a talking
  face (``likely_facilitator``: the adult who leads the session talks far more than the children, or
  talks more and owns the screen shares: the speaker's face beside the slide, see ``share_owner``);
  black bars are measured on the source's own pixels only (a crop past the frame edge is padding);
* what is not kept (too short, a Haar box dlib does not confirm, a share span) is a row of ``dropped.csv``.

Speed (docs/curation.md gives the measured rates): Haar runs at ``detect_scale`` everywhere; of the three
sampled frames only the first is searched whole, the next two only around its faces and the open users'
areas (a face cannot jump across the frame in 1/12 s; a new face missed there is found at the next
sample and refined backwards); ``refine`` searches the area's own pixels, and finds the tile layout
only when it changed since the window's first sample.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import staged_dir
from .detect import detect_faces, detect_in_regions, is_share, voted_faces
from .facilitator import flag_facilitator
from .segment_config import SegmentConfig
from .segment_table import (  # noqa: F401
    DROPPED_COLUMNS,
    SEGMENT_COLUMNS,
    SEGMENTS_CSV,
    VIDEO_SUFFIXES,
    NoRecordings,
    SegmentError,
    find_recordings,
    read_dropped,
    read_segments,
    write_roster,
    write_segments,
)
from .segmenter import Segmenter, User  # noqa: F401
from .share_owner import ShareEvidence, share_evidence, share_speaker
from .tiles import find_tiles, overlap


@dataclass(frozen=True)
class RecordingSegments:
    """What the segmenter found in one recording: the kept segments and the dropped appearances/spans."""

    segments: list
    dropped: list
    thumbs: dict = field(default_factory=dict)  # participant -> thumbnail (BGR) of their first segment


def segment_recording(path: str | Path, cfg: SegmentConfig = SegmentConfig(),
                      name: str | None = None) -> RecordingSegments:
    """Algorithm 1 on one recording: its segments (rows naming ``path`` as their source) and dropped rows."""
    import cv2

    path = Path(path)
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise SegmentError(f"{path}: cannot be opened as a video")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    sp = Segmenter(cfg, name or path.stem, fps, size, str(path))
    ring: deque = deque(maxlen=cfg.sample_every)
    triple: list = []
    share_start = None
    share_samples: list = []  # the speaker's face beside the slide, at every sampled share frame
    owners = cfg.mode == "tiles" and cfg.identities and cfg.share_owner
    i = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            share = is_share(frame, cfg)
            if share:  # a screen share ends every segment (the paper removes share spans)
                if share_start is None:
                    share_start, probed, seen_face = i, 0, False
                # a span whose first `share_probes` samples show no face is a full-frame slide: not sampled on
                if owners and (i - share_start) % cfg.share_every == 0 and (seen_face or probed < cfg.share_probes):
                    share_samples.append(share_speaker(frame, i, sp.cascade, cfg))
                    probed, seen_face = probed + 1, seen_face or share_samples[-1].faces > 0
                for user in list(sp.users):
                    sp.close(user, by_share=True)
            else:
                if share_start is not None:
                    sp.dropped.append(_share_row(sp.name, share_start, i))
                    share_start = None
                for user in sp.users:
                    user.pending.append((i, frame))
            if i % cfg.sample_every < cfg.triple:
                triple.append((i, frame, share))
            if i % cfg.sample_every == cfg.triple - 1 and triple:
                _sample(sp, triple, i, ring)
                triple = []
            ring.append((i, frame))
            i += 1
    finally:
        cap.release()
        for user in list(sp.users):
            sp.close(user)
        if share_start is not None:
            sp.dropped.append(_share_row(sp.name, share_start, i))
    thumbs = {}
    owner_cue = ShareEvidence(len(share_samples))
    if cfg.identities:
        from .identity import assign_participants

        ids = assign_participants(sp.segments, sp.descriptors, sp.name, cfg.identity_threshold)
        for seg, pid in zip(sp.segments, ids):
            if pid not in thumbs and seg["segment"] in sp.thumbs:
                thumbs[pid] = sp.thumbs[seg["segment"]]
            seg["participant"] = pid
        owner_cue = share_evidence(share_samples, ids, sp.descriptors, cfg.identity_threshold, cfg.share_margin)
    if cfg.mode == "tiles":
        flag_facilitator(sp.segments, cfg.facilitator_ratio, cfg.facilitator_min_samples, owner_cue,
                         cfg.facilitator_share_fraction, cfg.facilitator_share_ratio)
    return RecordingSegments(sp.segments, sorted(sp.dropped, key=lambda r: (r["start"], r["end"])), thumbs)


def _share_row(recording: str, start: int, end: int) -> dict:
    return {"recording": recording, "participant": "", "x": "", "y": "", "side": "", "start": start, "end": end,
            "n_frames": end - start, "reason": "screen share (nobody is cut from a share span)"}


def _around(box, scale: float) -> tuple[int, int, int]:
    """The square of ``scale`` box widths centred on a Haar box."""
    x, y, w, h = box
    side = int(scale * max(w, h))
    return int(x + w / 2 - side / 2), int(y + h / 2 - side / 2), side


def _holds(area, box) -> bool:
    """The whole Haar box lies in the square area (a face that is partly outside needs a search of its own)."""
    x0, y0, side = area
    return x0 <= box[0] and y0 <= box[1] and box[0] + box[2] <= x0 + side and box[1] + box[3] <= y0 + side


def _sample(sp: Segmenter, triple: list, i: int, ring: deque) -> None:
    import cv2

    cfg = sp.cfg
    lists: list[list] = []
    regions = None  # set once a frame of the triple was searched whole
    for _, f, share in triple:
        if share:
            lists.append([])
            continue
        gray = cv2.cvtColor(f, cv2.COLOR_BGR2GRAY)
        if regions is None:  # the first frame: the whole frame, as Algorithm 1 does for all three
            lists.append(detect_faces(sp.cascade, gray, cfg, cfg.detect_scale))
            regions = [(u.area, sp.min_side(u)) for u in sp.users]
            regions += [(_around(b, cfg.area_scale), cfg.track_min_fraction * max(b[2], b[3])) for b in lists[-1]
                        if not any(_holds(u.area, b) for u in sp.users)]  # a user's own face: its area is searched
        else:  # a frame or two later: only where a face just was, or an open user is (tracking)
            lists.append(detect_in_regions(sp.cascade, gray, regions, cfg, cfg.detect_scale))
    faces = voted_faces(lists, cfg)
    frames = [f for _, f, share in triple if not share]
    if cfg.mode == "tiles" and frames:
        sp.set_layout(find_tiles(frames[0], cfg.min_tile), triple[0][0])
        for user in list(sp.users):  # the grid reflowed under this user: its tile is gone, a new one starts
            mine = [f for f in faces if user.contains(f)]
            if mine and overlap(sp.tile_at(mine[0]), user.tile) < cfg.reflow_overlap:
                sp.close(user)
    for user in list(sp.users):
        seen = any(user.contains(f) for f in faces)
        sp.observe(user, faces, frames or [triple[0][1]])
        user.unseen_tail += 1
        if seen:
            user.last_seen, user.unseen_tail = i, 0
            sp.flush(user)
        elif i - user.last_seen > cfg.close_after:
            sp.close(user)
    for face in faces:
        if not any(u.contains(face) for u in sp.users):
            before = [(idx, f) for idx, f in ring if idx < triple[0][0]]
            new = sp.open_user(face, triple[0][0], [f for _, f, _ in triple], deque(before))
            if new is not None:
                new.pending += [(idx, f) for idx, f, share in triple if not share]
                sp.flush(new)


@dataclass(frozen=True)
class SegmentSummary:
    """What ``segment_recordings`` wrote: the recordings it read, one row per segment, one per dropped row."""

    out: Path
    recordings: tuple[Path, ...]
    segments: tuple[dict, ...]
    dropped: tuple[dict, ...] = ()

    @property
    def n_flagged(self) -> int:
        return sum(bool(s["flags"]) for s in self.segments)


def segment_recordings(recordings: Iterable[str | Path], out: str | Path, cfg: SegmentConfig = SegmentConfig(),
                       force: bool = False) -> SegmentSummary:
    """Algorithm 1 on every recording (files, or folders of them): ``segments.csv`` and ``dropped.csv``
    are built beside ``out`` and swapped into place only when every recording is done."""
    files = find_recordings(recordings)
    segments: list[dict] = []
    dropped: list[dict] = []
    with staged_dir(out, force) as tmp:
        for rec in files:
            found = segment_recording(rec, cfg)
            segments += found.segments
            dropped += found.dropped
            write_roster(found, tmp)
        write_segments(segments, tmp, dropped)
    return SegmentSummary(Path(out), tuple(files), tuple(segments), tuple(dropped))
