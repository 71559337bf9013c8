"""Reading the few frames a feature needs, and which frames those are (onset, apex, offset).

A clip is a video file or an image sequence (a frame folder or a ``.frames`` list, see
``release/frames.py``); both read through ``read_frames`` with the same indices and the same BGR
frames, so no feature stage knows which one it got.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .config import LandmarksConfig


class VideoError(RuntimeError):
    pass


def read_frames(path: str | Path, indices: list[int] | None = None) -> dict[int, np.ndarray] | list[np.ndarray]:
    """BGR frames at ``indices`` (a dict), or every frame (a list) when ``indices`` is None.

    Decodes sequentially with ``grab`` and converts only the frames asked for: exact on every codec,
    where seeking is not.
    """
    import cv2

    from ..release.frames import is_frame_clip

    if is_frame_clip(path):
        return _read_image_frames(path, indices)
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoError(f"cannot open {path}")
    try:
        if indices is None:
            frames = []
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                frames.append(frame)
            if not frames:
                raise VideoError(f"no frame decodes in {path}")
            return frames
        wanted = sorted(set(int(i) for i in indices))
        out: dict[int, np.ndarray] = {}
        i = 0
        for target in wanted:
            while i <= target:
                if not cap.grab():
                    raise VideoError(f"{path} ends at frame {i}, frame {target} was asked for")
                i += 1
            ok, frame = cap.retrieve()
            if not ok:
                raise VideoError(f"frame {target} of {path} does not decode")
            out[target] = frame
        return out
    finally:
        cap.release()


def _read_image_frames(path: str | Path, indices: list[int] | None) -> dict[int, np.ndarray] | list[np.ndarray]:
    """``read_frames`` for an image sequence: decodes only the images asked for."""
    from ..release.frames import FrameSequenceError, clip_frames, read_image

    try:
        frames = clip_frames(path)
        if indices is None:
            return [read_image(f) for f in frames]
        out: dict[int, np.ndarray] = {}
        for target in sorted(set(int(i) for i in indices)):
            if not 0 <= target < len(frames):
                raise VideoError(f"{path} holds {len(frames)} frames, frame {target} was asked for")
            out[target] = read_image(frames[target])
        return out
    except FrameSequenceError as exc:
        raise VideoError(str(exc)) from None


def key_frames(n_frames: int, apex_frame: int | None, sample_id: str,
               seed: int = LandmarksConfig.seed) -> tuple[int, int, int]:
    """(onset, apex, offset) frame indices of a clip cut from onset to offset.

    CMED clips start at the onset and end at the offset (user guide), so those are the first and last
    frames. No-ME clips have no apex: the paper picks a random frame between onset and offset
    (Section IV-A); ours is seeded by the sample id so it never changes between runs.
    """
    last = int(n_frames) - 1
    if apex_frame is None:
        digest = hashlib.sha256(f"{seed}:{sample_id}".encode()).digest()
        apex = int.from_bytes(digest[:8], "little") % max(last + 1, 1)
    else:
        apex = min(int(apex_frame), last)
    return 0, apex, last
