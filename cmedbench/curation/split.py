"""The paper's Algorithm 1 (raw-to-clip splitting), with every constant a parameter.

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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np



@dataclass(frozen=True)
class SplitConfig:
    sample_every: int = 60  # Algorithm 1, line 3
    triple: int = 3  # line 4: "read the next three frames"
    close_after: int = 60  # line 14
    min_seconds: float = 3.0  # line 17
    crop: int = 300  # Section III-B: 300x300 segments
    area_scale: float = 2.0  # a user's area is this many face widths (at least `crop` px)
    scale_factor: float = 1.1  # Haar detectMultiScale
    min_neighbors: int = 5
    min_size: int = 30
    detect_scale: float = 0.5  # Haar runs on the frame scaled by this (boxes scaled back): 4x faster at 0.5
    min_votes: int = 2
    confirm_with_dlib: bool = True
    refine: bool = True
    share_white_fraction: float = 0.35
    multiple_faces_fraction: float = 0.25
    neighbour_widths: float = 2.0  # another face closer than this many face widths shares the view
    missing_fraction: float = 0.5
    rotation_deg: float = 25.0
    talk_threshold: float = 0.025


def haar():
    import cv2

    path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise RuntimeError(f"cannot load the Haar cascade {path} (OpenCV 4.x contrib wheel needed)")
    return cascade


def detect_faces(cascade, gray: np.ndarray, cfg: SplitConfig, scale: float = 1.0) -> list[tuple[int, int, int, int]]:
    """Haar boxes (x, y, w, h) in ``gray``'s pixels, without boxes lying inside a bigger one.

    ``scale`` < 1 runs the cascade on a smaller copy (``min_size`` is in full-size pixels)."""
    import cv2

    small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    m = max(1, int(round(cfg.min_size * scale)))
    boxes = cascade.detectMultiScale(small, scaleFactor=cfg.scale_factor, minNeighbors=cfg.min_neighbors,
                                     minSize=(m, m))
    boxes = sorted((tuple(int(round(v / scale)) for v in b) for b in boxes), key=lambda b: -b[2] * b[3])
    kept: list[tuple[int, int, int, int]] = []
    for b in boxes:
        cx, cy = b[0] + b[2] / 2, b[1] + b[3] / 2
        if not any(k[0] <= cx <= k[0] + k[2] and k[1] <= cy <= k[1] + k[3] for k in kept):
            kept.append(b)
    return kept


def is_share(frame: np.ndarray, cfg: SplitConfig) -> bool:
    """A slide fills the frame: most of it is near-white."""
    small = frame[::8, ::8]
    return float((small.min(axis=2) > 225).mean()) >= cfg.share_white_fraction


def _iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter)


def voted_faces(lists: list[list], cfg: SplitConfig) -> list:
    """The largest of the three lists (line 7), keeping faces seen in at least ``min_votes`` lists."""
    largest = max(lists, key=len)
    return [f for f in largest if sum(any(_iou(f, g) > 0.3 for g in other) for other in lists) >= cfg.min_votes]


@dataclass
class User:
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


class Splitter:
    def __init__(self, cfg: SplitConfig, out: Path, name: str, fps: float, size: tuple[int, int]):
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


def split_recording(path: str | Path, out: str | Path, cfg: SplitConfig = SplitConfig(),
                    name: str | None = None) -> list[dict]:
    """Split one recording into per-user segment videos under ``out``; returns their descriptions."""
    import cv2

    path, out = Path(path), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise ValueError(f"{path}: cannot be opened as a video")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    sp = Splitter(cfg, out, name or path.stem, fps, size)
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


def _sample(sp: Splitter, triple: list, i: int, ring: deque) -> None:
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
