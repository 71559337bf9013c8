"""Where the face is in a clip: one transform per clip, from the onset frame's landmarks.

``align=False``: a square box around the landmarks (1.3x their extent), the paper's 224x224 face
crop. ``align=True`` (DFME): the similarity transform that brings the onset frame's stable points
(eye centres, nose tip, mouth corners) onto a reference shape; the same transform for every frame, so
motion inside the clip survives.
"""

from __future__ import annotations

import numpy as np

# Reference positions (fractions of the crop side) of eye centres, nose tip and mouth corners.
REFERENCE = np.array([[0.32, 0.38], [0.68, 0.38], [0.50, 0.57], [0.36, 0.74], [0.64, 0.74]])
BOX_MARGIN = 1.3


def stable_points(landmarks: np.ndarray) -> np.ndarray:
    return np.array([landmarks[36:42].mean(axis=0), landmarks[42:48].mean(axis=0), landmarks[30],
                     landmarks[48], landmarks[54]], dtype=np.float64)


def face_transform(landmarks: np.ndarray, size: int, align: bool = False) -> np.ndarray:
    """2x3 affine matrix from frame coordinates to a ``size`` x ``size`` face crop."""
    import cv2

    if align:
        m, _ = cv2.estimateAffinePartial2D(stable_points(landmarks), REFERENCE * size)
        if m is not None:
            return m
    lo, hi = landmarks.min(axis=0), landmarks.max(axis=0)
    centre = (lo + hi) / 2
    side = float(max(hi - lo)) * BOX_MARGIN
    s = size / max(side, 1.0)
    return np.array([[s, 0, size / 2 - s * centre[0]], [0, s, size / 2 - s * centre[1]]])


def crop(frame: np.ndarray, m: np.ndarray, size: int, gray: bool = False) -> np.ndarray:
    import cv2

    out = cv2.warpAffine(frame, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if gray and out.ndim == 3:
        out = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)
    return out
