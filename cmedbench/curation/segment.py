"""The paper's Algorithm 1: gallery recordings -> one video per user appearance, every constant a parameter.

As written: every ``sample_every`` (60) frames read the next three frames, convert to grey, detect faces
with OpenCV's Haar cascade, keep the list with the most faces; a face outside every existing user's
frame area opens a new user (a writer of 300x300 crops); a user whose face is gone for more than
``close_after`` (60) frames is closed and saved; videos shorter than ``min_seconds`` (3 s) are deleted.

What the paper did around it, and what we add (each can be switched off):

* screen-share frames (a slide fills the frame) are never written, so shares end segments;
* phantom users: boxes inside a bigger box are dropped, a face must be seen in at least ``min_votes``
  of the three frames, and a new user is opened only when dlib's HOG detector also finds a face there;
* ``refine``: a segment's first and last frames are found by detecting inside the user's area on the
  frames between two samples (a ring buffer before the opening sample, the unsaved tail before
  closing), instead of the 60-frame sampling grid;
* the manual exclusion criteria a tool can see are flagged, never silently dropped: more than one
  face in the area, face missing most of the time, strong head rotation, black bars, and a talking
  face (``likely_facilitator``: the adult who leads the session talks far more than the children).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import staged_dir, write_text
from .detect import detect_faces, haar, is_share, voted_faces
from .segment_config import SegmentConfig

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi")  # what a folder of recordings is searched for
SEGMENTS_CSV = "segments.csv"
# One row per segment video: where its user's area is in the recording, which frames it spans, and the
# exclusion flags (";"-joined) with the statistics behind them.
SEGMENT_COLUMNS = ("segment", "recording", "file", "x", "y", "side", "start", "end", "n_frames", "fps", "flags",
                   "median_roll_deg", "mouth_motion", "samples", "samples_with_face")


class SegmentError(ValueError):
    """A recording the segmenter cannot read, or a segments table that is not one."""


class NoRecordings(SegmentError):
    """The given folders hold no recording."""


@dataclass
class User:
    """One open appearance: its area, its segment writer, the crops not yet written, and flag statistics."""

    uid: int
    area: tuple[int, int, int]  # x0, y0, side (recording pixels)
    tmp: Path
    writer: object
    start: int = -1
    end: int = 0
    written: int = 0
    last_seen: int = 0
    pending: list = field(default_factory=list)  # (frame index, crop) not yet written
    samples: int = 0
    samples_with_face: int = 0
    samples_multi: int = 0
    rolls: list = field(default_factory=list)
    mouths: list = field(default_factory=list)
    dark_rows: list = field(default_factory=list)

    def contains(self, face) -> bool:
        x0, y0, side = self.area
        cx, cy = face[0] + face[2] / 2, face[1] + face[3] / 2
        return x0 <= cx < x0 + side and y0 <= cy < y0 + side


class Segmenter:
    """Algorithm 1's state over one recording: the open users and the segments already saved."""

    def __init__(self, cfg: SegmentConfig, out: Path, name: str, fps: float, size: tuple[int, int]):
        self.cfg, self.out, self.name, self.fps, self.size = cfg, Path(out), name, fps, size
        self.cascade = haar()
        self.users: list[User] = []
        self.segments: list[dict] = []
        self.next_uid = 1

    # -- geometry and I/O -----------------------------------------------------------------------------
    def crop(self, frame: np.ndarray, area) -> np.ndarray:
        import cv2

        x0, y0, side = area
        s = self.cfg.crop / side
        m = np.array([[s, 0, -x0 * s], [0, s, -y0 * s]])
        return cv2.warpAffine(frame, m, (self.cfg.crop, self.cfg.crop), flags=cv2.INTER_AREA,
                              borderMode=cv2.BORDER_CONSTANT)

    def area_of(self, face) -> tuple[int, int, int]:
        x, y, w, h = face
        side = int(max(self.cfg.crop, self.cfg.area_scale * max(w, h)))
        cx, cy = x + w / 2, y + h / 2
        return int(round(cx - side / 2)), int(round(cy - side / 2)), side

    def face_in(self, crop: np.ndarray) -> bool:
        import cv2

        return bool(detect_faces(self.cascade, cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), self.cfg))

    def dlib_face(self, crop: np.ndarray):
        from ..features.landmarks import landmarks_on_frames

        for upsample in (0, 1):  # faces fill a 300 px crop; upsampling only for small ones (4x dearer)
            pts, status = landmarks_on_frames([crop], upsample=upsample)
            if not np.isnan(pts[0]).all():
                return pts[0]
        return None

    # -- the algorithm -----------------------------------------------------------------------------------
    def open_user(self, face, i: int, triple_frames: list, ring: deque) -> User | None:
        import cv2

        area = self.area_of(face)
        crops = [self.crop(f, area) for f in triple_frames]
        if self.cfg.confirm_with_dlib and not any(self.dlib_face(c) is not None for c in crops):
            return None  # a Haar false positive: no phantom user
        tmp = self.out / f".{self.name}_user{self.next_uid:02d}.tmp.mp4"
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (self.cfg.crop, self.cfg.crop))
        user = User(self.next_uid, area, tmp, writer, last_seen=i)
        self.next_uid += 1
        backlog = list(ring)
        if self.cfg.refine and backlog:
            first = self._first_with_face([self.crop(f, area) for _, f in backlog])
            backlog = backlog[first:]
        else:
            backlog = []
        for idx, f in backlog:
            self._write(user, idx, self.crop(f, area))
        self.users.append(user)
        return user

    def _first_with_face(self, crops: list) -> int:
        """Earliest index from which the face is present (presence assumed monotone over the window)."""
        lo, hi = 0, len(crops)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.face_in(crops[mid]):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _write(self, user: User, idx: int, crop: np.ndarray) -> None:
        if user.start < 0:
            user.start = idx
        user.writer.write(crop)
        user.written += 1
        user.end = idx + 1

    def flush(self, user: User) -> None:
        for idx, crop in user.pending:
            self._write(user, idx, crop)
        user.pending.clear()

    def close(self, user: User) -> None:
        if self.cfg.refine and user.pending:
            crops = [c for _, c in user.pending]
            lo, hi = 0, len(crops)  # last index with a face: presence assumed monotone (present, then gone)
            while lo < hi:
                mid = (lo + hi) // 2
                if self.face_in(crops[mid]):
                    lo = mid + 1
                else:
                    hi = mid
            user.pending = user.pending[:lo]
            self.flush(user)
        elif user.pending:
            self.flush(user)  # as written: everything up to the closing sample is in the video
        user.writer.release()
        self.users.remove(user)
        seconds = user.written / self.fps
        if user.written == 0 or seconds < self.cfg.min_seconds:
            user.tmp.unlink(missing_ok=True)
            return
        name = f"{self.name}_user{user.uid:02d}.mp4"
        os.replace(user.tmp, self.out / name)
        self.segments.append(self._describe(user, name))

    def _describe(self, user: User, name: str) -> dict:
        cfg = self.cfg
        flags = []
        if user.samples and user.samples_multi / user.samples > cfg.multiple_faces_fraction:
            flags.append("multiple_faces")
        if user.samples and 1 - user.samples_with_face / user.samples > cfg.missing_fraction:
            flags.append("face_missing")
        roll = float(np.median(np.abs(user.rolls))) if user.rolls else 0.0
        if roll > cfg.rotation_deg:
            flags.append("rotation")
        if user.dark_rows and float(np.median(user.dark_rows)) > 0.1:
            flags.append("black_bars")
        talk = float(np.std(user.mouths)) if len(user.mouths) > 2 else 0.0
        if talk > cfg.talk_threshold:
            flags.append("likely_facilitator")
        x0, y0, side = user.area
        return {"segment": name[:-4], "recording": self.name, "file": name, "x": x0, "y": y0, "side": side,
                "start": user.start, "end": user.end, "n_frames": user.written, "fps": self.fps,
                "flags": ";".join(flags), "median_roll_deg": round(roll, 2), "mouth_motion": round(talk, 4),
                "samples": user.samples, "samples_with_face": user.samples_with_face}

    def observe(self, user: User, faces: list, frames: list) -> None:
        """Per-sample statistics for the flags: faces in the area, landmarks (roll, mouth), dark borders."""
        inside = [f for f in faces if user.contains(f)]
        user.samples += 1
        if inside:
            user.samples_with_face += 1
            own = inside[0]
            c = np.array([own[0] + own[2] / 2, own[1] + own[3] / 2])
            near = [f for f in faces if f is not own and np.hypot(f[0] + f[2] / 2 - c[0], f[1] + f[3] / 2 - c[1])
                    < self.cfg.neighbour_widths * min(own[2], f[2])]
            if len(inside) > 1 or near:
                user.samples_multi += 1
        crops = [self.crop(f, user.area) for f in frames]
        gray = crops[0].mean(axis=2)
        dark = (gray.mean(axis=1) < 16).mean() + (gray.mean(axis=0) < 16).mean()
        user.dark_rows.append(dark / 2)
        if inside:
            for crop in crops:
                pts = self.dlib_face(crop)
                if pts is None:
                    continue
                eye_l, eye_r = pts[36:42].mean(axis=0), pts[42:48].mean(axis=0)
                d = eye_r - eye_l
                user.rolls.append(float(np.degrees(np.arctan2(d[1], d[0]))))
                # outer lips (51 top, 57 bottom): how far the mouth opens, in eye distances
                user.mouths.append(float(np.linalg.norm(pts[57] - pts[51]) / max(np.hypot(*d), 1e-6)))


def segment_recording(path: str | Path, out: str | Path, cfg: SegmentConfig = SegmentConfig(),
                      name: str | None = None) -> list[dict]:
    """Algorithm 1 on one recording: per-user segment videos under ``out``; returns their rows."""
    import cv2

    path, out = Path(path), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise SegmentError(f"{path}: cannot be opened as a video")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    sp = Segmenter(cfg, out, name or path.stem, fps, size)
    ring: deque = deque(maxlen=cfg.sample_every)
    triple: list = []
    i = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            share = is_share(frame, cfg)
            if share:  # a screen share ends every segment (the paper removes share spans)
                for user in list(sp.users):
                    sp.close(user)
            for user in sp.users:
                if not share:
                    user.pending.append((i, sp.crop(frame, user.area)))
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
    return sp.segments


def _sample(sp: Segmenter, triple: list, i: int, ring: deque) -> None:
    import cv2

    cfg = sp.cfg
    lists = [[] if share else detect_faces(sp.cascade, cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), cfg, cfg.detect_scale)
             for _, f, share in triple]
    faces = voted_faces(lists, cfg)
    frames = [f for _, f, share in triple if not share]
    for user in list(sp.users):
        seen = any(user.contains(f) for f in faces)
        sp.observe(user, faces, frames or [triple[0][1]])
        if seen:
            user.last_seen = i
            sp.flush(user)
        elif i - user.last_seen > cfg.close_after:
            sp.close(user)
    for face in faces:
        if not any(u.contains(face) for u in sp.users):
            before = [(idx, f) for idx, f in ring if idx < triple[0][0]]
            new = sp.open_user(face, triple[0][0], [f for _, f, _ in triple], deque(before))
            if new is not None:
                for idx, f, share in triple:
                    if not share:
                        new.pending.append((idx, sp.crop(f, new.area)))
                sp.flush(new)


@dataclass(frozen=True)
class SegmentSummary:
    """What ``segment_recordings`` wrote: the recordings it read and one row per segment video."""

    out: Path
    recordings: tuple[Path, ...]
    segments: tuple[dict, ...]

    @property
    def n_flagged(self) -> int:
        return sum(bool(s["flags"]) for s in self.segments)


def find_recordings(paths: Iterable[str | Path]) -> list[Path]:
    """Each path is a recording, or a folder whose .mp4/.mov/.avi files (sorted) are recordings."""
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(f for f in p.iterdir() if f.suffix.lower() in VIDEO_SUFFIXES) if p.is_dir() else [p]
    if not files:
        raise NoRecordings("no recording (.mp4, .mov, .avi) found in the given folders")
    return files


def write_segments(segments: Iterable[dict], folder: str | Path) -> Path:
    """``folder/segments.csv``, one row per segment in ``SEGMENT_COLUMNS`` order."""
    import pandas as pd

    text = pd.DataFrame(list(segments), columns=list(SEGMENT_COLUMNS)).to_csv(index=False, lineterminator="\n")
    return write_text(Path(folder) / SEGMENTS_CSV, text)


def read_segments(folder: str | Path):
    """``folder/segments.csv`` as a table (empty flags stay empty strings); refuses a file that is not one."""
    import pandas as pd

    path = Path(folder) / SEGMENTS_CSV
    if not path.is_file():
        raise SegmentError(f"{path} not found (segment the recordings first)")
    table = pd.read_csv(path, keep_default_na=False)
    missing = [c for c in SEGMENT_COLUMNS if c not in table.columns]
    if missing:
        raise SegmentError(f"{path}: missing column(s) {', '.join(missing)}")
    return table


def segment_recordings(recordings: Iterable[str | Path], out: str | Path, cfg: SegmentConfig = SegmentConfig(),
                       force: bool = False) -> SegmentSummary:
    """Algorithm 1 on every recording (files, or folders of them): the segment videos and ``segments.csv``
    are built beside ``out`` and swapped into place only when every recording is done."""
    files = find_recordings(recordings)
    segments: list[dict] = []
    with staged_dir(out, force) as tmp:
        for rec in files:
            segments += segment_recording(rec, tmp, cfg)
        write_segments(segments, tmp)
    return SegmentSummary(Path(out), tuple(files), tuple(segments))
