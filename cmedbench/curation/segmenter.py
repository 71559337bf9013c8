"""Algorithm 1's state over one recording: the open users, their areas and tiles, the flag statistics.

``segment`` drives it frame by frame; this module holds what one sample does to a user (observe, open,
close) and how a segment's first and last frames are refined between two samples.
"""

from __future__ import annotations

from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .crop import crop_square, inside_frame
from .detect import detect_faces, haar
from .segment_config import SegmentConfig
from .tiles import find_tiles, overlap, square_in_tile, tile_of


@dataclass
class User:
    """One open appearance: its area, the frames not yet counted, and the flag statistics."""

    uid: int
    area: tuple[int, int, int]  # x0, y0, side (recording pixels)
    face: int  # the face's side when the user opened (Haar box, recording pixels)
    tile: tuple[int, int, int, int]  # x0, y0, x1, y1: the gallery tile the area lies in (the frame: as written)
    layout: int = 1  # the layout period (1, 2, ...) the user opened in
    start: int = -1
    end: int = 0
    written: int = 0
    last_seen: int = 0
    pending: list = field(default_factory=list)  # (frame index, frame) not yet counted in the segment
    samples: int = 0
    samples_with_face: int = 0
    samples_multi: int = 0
    unseen_tail: int = 0  # samples since the face was last seen: after the segment's end, not counted
    rolls: list = field(default_factory=list)
    mouths: list = field(default_factory=list)
    dark_rows: list = field(default_factory=list)
    descriptors: list = field(default_factory=list)  # dlib 128-D face descriptors (identities)
    thumb: np.ndarray | None = None

    def contains(self, face) -> bool:
        x0, y0, side = self.area
        cx, cy = face[0] + face[2] / 2, face[1] + face[3] / 2
        return x0 <= cx < x0 + side and y0 <= cy < y0 + side


class Segmenter:
    """Algorithm 1's state over one recording: the open users, the segments kept and the rows dropped."""

    def __init__(self, cfg: SegmentConfig, name: str, fps: float, size: tuple[int, int], source: str = ""):
        self.cfg, self.name, self.fps, self.size, self.source = cfg, name, fps, size, source
        self.cascade = haar()
        self.users: list[User] = []
        self.segments: list[dict] = []
        self.descriptors: list[list] = []  # per kept segment
        self.thumbs: dict[str, np.ndarray] = {}  # segment -> thumbnail
        self.dropped: list[dict] = []
        self.next_uid = 1
        self.frame_rect = (0, 0, size[0], size[1])
        self.tiles = [self.frame_rect]  # the layout seen at the last sample (tiles mode)
        self.layout_since = 0  # the first sample (frame index) at which ``tiles`` was seen
        self.layout_period = 0  # tiles mode: layouts seen so far, numbered from 1 (a reflow starts the next)
        self.layout_steady = False  # refining inside one layout period: no per-frame layout check

    def set_layout(self, tiles: list, sample: int) -> None:
        """The layout found at a sample; ``layout_since`` moves only when it differs from the last one."""
        same = len(tiles) == len(self.tiles) and all(overlap(a, b) >= 0.9 for a, b in zip(tiles, self.tiles))
        if not same or not self.layout_period:
            self.layout_since = sample
            self.layout_period += 1
        self.tiles = tiles

    # -- geometry ----------------------------------------------------------------------------------------
    def crop(self, frame: np.ndarray, area) -> np.ndarray:
        return crop_square(frame, area, self.cfg.crop)

    def tile_at(self, face) -> tuple[int, int, int, int]:
        """The tile holding the face's centre (as written: the whole frame, the crop may run past it)."""
        if self.cfg.mode != "tiles":
            return self.frame_rect
        return tile_of((face[0] + face[2] / 2, face[1] + face[3] / 2), self.tiles) or self.frame_rect

    def area_of(self, face) -> tuple[int, int, int]:
        x, y, w, h = face
        side = int(max(self.cfg.crop, self.cfg.area_scale * max(w, h)))
        cx, cy = x + w / 2, y + h / 2
        if self.cfg.mode == "tiles":  # inside the tile: never another tile's pixels, never padding
            return square_in_tile((cx, cy), side, self.tile_at(face))
        return int(round(cx - side / 2)), int(round(cy - side / 2)), side

    def min_side(self, user: User) -> float:
        """The smallest face looked for in the user's area between samples: a fraction of its opening face."""
        return self.cfg.track_min_fraction * user.face

    def face_in(self, frame: np.ndarray, user: User) -> bool:
        """A Haar face in the source pixels of the user's area, at the scale the samples are searched at
        (on a region a few times smaller than the frame: no crop, no resize, no windows far below the face)."""
        import cv2

        x0, y0, x1, y1 = inside_frame(user.area, frame.shape[1], frame.shape[0])
        if x1 <= x0 or y1 <= y0:
            return False
        gray = cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
        return bool(detect_faces(self.cascade, gray, self.cfg, self.cfg.detect_scale, self.min_side(user)))

    def dlib_face(self, crop: np.ndarray):
        from ..features.landmarks import landmarks_on_frames

        for upsample in (0, 1):  # faces fill a 300 px crop; upsampling only for small ones (4x dearer)
            pts, status = landmarks_on_frames([crop], upsample=upsample)
            if not np.isnan(pts[0]).all():
                return pts[0]
        return None

    # -- the algorithm -----------------------------------------------------------------------------------
    def open_user(self, face, i: int, triple_frames: list, ring: deque) -> User | None:
        area = self.area_of(face)
        if self.cfg.confirm_with_dlib and not any(self.dlib_face(self.crop(f, area)) is not None
                                                  for f in triple_frames):
            self._drop_unconfirmed(face, area, i, i + len(triple_frames))
            return None  # a Haar false positive: no phantom user
        user = User(self.next_uid, area, max(face[2], face[3]), self.tile_at(face), max(self.layout_period, 1),
                    last_seen=i)
        self.next_uid += 1
        self._describe_face(user, triple_frames[0])
        backlog = list(ring)
        if self.cfg.refine and backlog:
            with self._within_layout(backlog[0][0]):
                first = self._first_with_face([f for _, f in backlog], user)
            backlog = backlog[first:]
        else:
            backlog = []
        for idx, _ in backlog:
            self._take(user, idx)
        self.users.append(user)
        return user

    def _drop_unconfirmed(self, face, area, start: int, end: int) -> None:
        cx, cy = face[0] + face[2] / 2, face[1] + face[3] / 2
        for row in reversed(self.dropped):  # the same box at consecutive samples is one dropped row
            if (row["reason"].startswith("not confirmed") and row["x"] <= cx < row["x"] + row["side"]
                    and row["y"] <= cy < row["y"] + row["side"]
                    and start - row["end"] <= self.cfg.sample_every):
                row["end"], row["n_frames"] = end, end - row["start"]
                return
        self.dropped.append({"recording": self.name, "participant": "", "x": area[0], "y": area[1], "side": area[2],
                             "start": start, "end": end, "n_frames": end - start,
                             "reason": "not confirmed as a face by dlib (a Haar false positive)"})

    def present(self, frame: np.ndarray, user: User) -> bool:
        """A face in the user's area of ``frame`` and, in tiles mode, the layout still has its tile there (a
        grid reflow ends a segment at the reflow frame, not where the face leaves the old area)."""
        if not self.face_in(frame, user):
            return False
        if self.cfg.mode != "tiles" or self.layout_steady:
            return True
        x0, y0, side = user.area
        now = tile_of((x0 + side / 2, y0 + side / 2), find_tiles(frame, self.cfg.min_tile))
        return now is not None and overlap(now, user.tile) >= self.cfg.reflow_overlap

    def _describe_face(self, user: User, frame: np.ndarray) -> None:
        """One more identity descriptor (up to ``max_descriptors``) and the first thumbnail."""
        import cv2

        if not self.cfg.identities or len(user.descriptors) >= self.cfg.max_descriptors:
            return
        from .identity import face_descriptor

        crop = self.crop(frame, user.area)
        d = face_descriptor(crop)
        if d is not None:
            user.descriptors.append(d)
            if user.thumb is None:
                user.thumb = cv2.resize(crop, (96, 96), interpolation=cv2.INTER_AREA)

    @contextmanager
    def _within_layout(self, first_frame: int):
        """Refining frames from ``first_frame`` on: when every sample since then saw the same layout, the
        tile is taken as unchanged between them (one layout per period, not one ``find_tiles`` per frame)."""
        self.layout_steady = self.layout_since <= first_frame
        try:
            yield
        finally:
            self.layout_steady = False

    def _first_with_face(self, frames: list, user: User) -> int:
        """Earliest index from which the face is present (presence assumed monotone over the window)."""
        lo, hi = 0, len(frames)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.present(frames[mid], user):
                hi = mid
            else:
                lo = mid + 1
        return lo

    @staticmethod
    def _take(user: User, idx: int) -> None:
        if user.start < 0:
            user.start = idx
        user.written += 1
        user.end = idx + 1

    def flush(self, user: User) -> None:
        for idx, _ in user.pending:
            self._take(user, idx)
        user.pending.clear()

    def close(self, user: User, by_share: bool = False) -> None:
        if self.cfg.refine and user.pending:
            frames = [f for _, f in user.pending]
            lo, hi = 0, len(frames)  # last index with a face: presence assumed monotone (present, then gone)
            with self._within_layout(user.pending[0][0]):
                while lo < hi:
                    mid = (lo + hi) // 2
                    if self.present(frames[mid], user):
                        lo = mid + 1
                    else:
                        hi = mid
            user.pending = user.pending[:lo]
        self.flush(user)  # as written: everything up to the closing sample is in the segment
        self.users.remove(user)
        user.samples -= user.unseen_tail
        seconds = user.written / self.fps
        participant = f"{self.name}_user{user.uid:02d}"
        if user.written == 0 or seconds < self.cfg.min_seconds:
            x0, y0, side = user.area
            reason = (f"shorter than {self.cfg.min_seconds:g} s ({seconds:.2f} s)"
                      + (", ended by a screen share" if by_share else ""))
            self.dropped.append({"recording": self.name, "participant": participant, "x": x0, "y": y0, "side": side,
                                 "start": max(user.start, 0), "end": user.end, "n_frames": user.written,
                                 "reason": reason})
            return
        self.segments.append(self._describe(user, participant))
        self.descriptors.append(user.descriptors)
        if user.thumb is not None:
            self.thumbs[participant] = user.thumb

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
        dark = float(np.median(user.dark_rows)) if user.dark_rows else 0.0
        if dark > cfg.black_bars_fraction:
            flags.append("black_bars")
        talk = float(np.std(user.mouths)) if len(user.mouths) > 2 else 0.0
        if cfg.mode != "tiles" and talk > cfg.talk_threshold:  # tiles mode: over the recording, see below
            flags.append("likely_facilitator")
        x0, y0, side = user.area
        ix0, iy0, ix1, iy1 = inside_frame(user.area, *self.size)
        padding = 1 - max(ix1 - ix0, 0) * max(iy1 - iy0, 0) / side ** 2
        tx0, ty0, tx1, ty1 = user.tile
        return {"segment": name, "recording": self.name, "source": self.source, "participant": name,
                "x": x0, "y": y0, "side": side, "crop": cfg.crop, "tile_x0": tx0, "tile_y0": ty0, "tile_x1": tx1,
                "tile_y1": ty1, "layout": user.layout, "padding": round(padding, 4), "start": user.start, "end": user.end,
                "n_frames": user.written,
                "fps": self.fps, "flags": ";".join(flags), "median_roll_deg": round(roll, 2),
                "mouth_motion": round(talk, 4), "speaking_ratio": "", "share_ownership": "", "facilitator_evidence": "",
                "dark_border": round(dark, 4), "samples": user.samples,
                "samples_with_face": user.samples_with_face, "samples_multiple": user.samples_multi}

    def observe(self, user: User, faces: list, frames: list) -> None:
        """Per-sample statistics for the flags: faces in the area, landmarks (roll, mouth), dark borders."""
        inside = [f for f in faces if user.contains(f)]
        user.samples += 1
        if inside:
            user.samples_with_face += 1
            own = inside[0]
            c = np.array([own[0] + own[2] / 2, own[1] + own[3] / 2])
            if self.cfg.mode == "tiles":  # another face in the same tile shares the view; a neighbour's does not
                near = [f for f in faces if f is not own and tile_of((f[0] + f[2] / 2, f[1] + f[3] / 2),
                                                                     [user.tile])]
            else:  # as before: another face closer than `neighbour_widths` face widths
                near = [f for f in faces if f is not own and np.hypot(f[0] + f[2] / 2 - c[0], f[1] + f[3] / 2 - c[1])
                        < self.cfg.neighbour_widths * min(own[2], f[2])]
            if len(inside) > 1 or near:
                user.samples_multi += 1
        user.dark_rows.append(self._dark_border(frames[0], user.area))
        if inside:
            self._describe_face(user, frames[0])
            for frame in frames:
                pts = self.dlib_face(self.crop(frame, user.area))
                if pts is None:
                    continue
                eye_l, eye_r = pts[36:42].mean(axis=0), pts[42:48].mean(axis=0)
                d = eye_r - eye_l
                user.rolls.append(float(np.degrees(np.arctan2(d[1], d[0]))))
                # outer lips (51 top, 57 bottom): how far the mouth opens, in eye distances
                user.mouths.append(float(np.linalg.norm(pts[57] - pts[51]) / max(np.hypot(*d), 1e-6)))

    def _dark_border(self, frame: np.ndarray, area) -> float:
        """Share of near-black rows and columns in the source pixels of ``area`` (padding is not counted)."""
        x0, y0, x1, y1 = inside_frame(area, frame.shape[1], frame.shape[0])
        if x1 <= x0 or y1 <= y0:
            return 0.0
        gray = frame[y0:y1:2, x0:x1:2].mean(axis=2)
        return float(((gray.mean(axis=1) < 16).mean() + (gray.mean(axis=0) < 16).mean()) / 2)

