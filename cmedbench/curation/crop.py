"""The one crop both the segmenter and the compiler use: a recording's square area, scaled to a clip.

Segments are a table of areas and frame ranges, not videos; ``compile`` applies this same crop to the
source recording, so every clip is encoded exactly once. Where an area runs past the frame edge the
crop is padded with black: ``inside_frame`` says which part of an area is the source's own pixels.
"""

from __future__ import annotations

import numpy as np

Area = tuple[int, int, int]  # x0, y0, side in recording pixels


def crop_square(frame: np.ndarray, area: Area, size: int) -> np.ndarray:
    """``area`` of ``frame`` scaled to ``size`` x ``size`` (INTER_AREA); outside the frame is black."""
    import cv2

    x0, y0, side = area
    s = size / side
    m = np.array([[s, 0, -x0 * s], [0, s, -y0 * s]])
    return cv2.warpAffine(frame, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT)


def inside_frame(area: Area, width: int, height: int) -> tuple[int, int, int, int]:
    """The part of ``area`` that lies in a ``width`` x ``height`` frame, as (x0, y0, x1, y1) frame pixels."""
    x0, y0, side = area
    return max(x0, 0), max(y0, 0), min(x0 + side, width), min(y0 + side, height)
