"""Where the faces are in a gallery frame: OpenCV's Haar cascade, the three-frame vote, and screen shares.

The detection steps of Algorithm 1 (lines 4-8), with the guards against phantom users: boxes inside a
bigger box are dropped, and a face must be seen in at least ``min_votes`` of the three sampled frames.
"""

from __future__ import annotations

import os

import numpy as np

from .segment_config import SegmentConfig


def haar():
    """OpenCV's frontal-face cascade, the detector Algorithm 1 names."""
    import cv2

    path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise RuntimeError(f"cannot load the Haar cascade {path} (OpenCV 4.x contrib wheel needed)")
    return cascade


def detect_faces(cascade, gray: np.ndarray, cfg: SegmentConfig, scale: float = 1.0,
                 min_side: float = 0.0) -> list[tuple[int, int, int, int]]:
    """Haar boxes (x, y, w, h) in ``gray``'s pixels, without boxes lying inside a bigger one.

    ``scale`` < 1 runs the cascade on a smaller copy (``min_size`` is in full-size pixels); ``min_side``
    raises the smallest face looked for (where the face's size is known: small windows cost the most)."""
    import cv2

    small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    m = max(1, int(round(max(cfg.min_size, min_side) * scale)))
    boxes = cascade.detectMultiScale(small, scaleFactor=cfg.scale_factor, minNeighbors=cfg.min_neighbors,
                                     minSize=(m, m))
    return without_nested(tuple(int(round(v / scale)) for v in b) for b in boxes)


def detect_in_regions(cascade, gray: np.ndarray, regions: list, cfg: SegmentConfig,
                      scale: float = 1.0) -> list[tuple[int, int, int, int]]:
    """``detect_faces`` run only inside ``regions`` ((x0, y0, side) squares, clipped to the frame, each with
    the smallest face side looked for there): where a face seen a frame earlier, or an open user, can be.
    Boxes are in ``gray``'s pixels."""
    h, w = gray.shape[:2]
    boxes = []
    for (x0, y0, side), min_side in regions:
        ax0, ay0, ax1, ay1 = max(x0, 0), max(y0, 0), min(x0 + side, w), min(y0 + side, h)
        if ax1 > ax0 and ay1 > ay0:
            boxes += [(x + ax0, y + ay0, bw, bh) for x, y, bw, bh in
                      detect_faces(cascade, gray[ay0:ay1, ax0:ax1], cfg, scale, min_side)]
    return without_nested(boxes)


def without_nested(boxes) -> list[tuple[int, int, int, int]]:
    """Boxes largest first, dropping any whose centre lies in a bigger kept box (a face inside a face)."""
    # Ties (faces of one size) in reading order: Haar's own output order varies with OpenCV's threads.
    boxes = sorted(boxes, key=lambda b: (-b[2] * b[3], b[1], b[0], b[2], b[3]))
    kept: list[tuple[int, int, int, int]] = []
    for b in boxes:
        cx, cy = b[0] + b[2] / 2, b[1] + b[3] / 2
        if not any(k[0] <= cx <= k[0] + k[2] and k[1] <= cy <= k[1] + k[3] for k in kept):
            kept.append(b)
    return kept


def is_share(frame: np.ndarray, cfg: SegmentConfig) -> bool:
    """A slide fills the frame: most of it is near-white."""
    small = frame[::8, ::8]
    return float((small.min(axis=2) > 225).mean()) >= cfg.share_white_fraction


def _iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter)


def voted_faces(lists: list[list], cfg: SegmentConfig) -> list:
    """The largest of the three lists (line 7), keeping faces seen in at least ``min_votes`` lists."""
    largest = max(lists, key=len)
    return [f for f in largest if sum(any(_iou(f, g) > 0.3 for g in other) for other in lists) >= cfg.min_votes]
