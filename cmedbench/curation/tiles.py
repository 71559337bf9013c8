"""The gallery layout from the pixels: tile rectangles between the uniform gaps of a Zoom-like view.

A gallery view is a grid of tiles on a plain background: every gap between two tiles is a strip of
rows (across the whole frame) or of columns (across one band of tiles) whose pixels all have nearly
one value. Bands are the runs of non-uniform rows; inside each band, tiles are the runs of
non-uniform columns; runs narrower than ``min_tile`` (a name label on a plain tile, a thin border)
are not tiles. A plain area inside a tile beside the video (a letterboxed camera) counts as gap, so a
"tile" is where the participant's picture is: a crop kept inside it never shows another participant.
A view without gaps (speaker view, a full-frame camera) is one tile, the whole frame.
"""

from __future__ import annotations

import numpy as np

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (end exclusive), frame pixels


def _uniform(block: np.ndarray, axis: int, tolerance: float, outliers: float) -> np.ndarray:
    """For each line of ``block`` (rows when axis=1, columns when axis=0): nearly all pixels equal."""
    med = np.median(block, axis=axis, keepdims=True)
    return (np.abs(block - med) > tolerance).mean(axis=axis) <= outliers


def _runs(flags: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """Half-open runs of False in ``flags`` at least ``min_len`` long."""
    edges = np.diff(np.concatenate([[1], flags.astype(np.int8), [1]]))
    starts, ends = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    return [(int(a), int(b)) for a, b in zip(starts, ends) if b - a >= min_len]


def find_tiles(frame: np.ndarray, min_tile: int = 96, tolerance: float = 10.0, outliers: float = 0.02) -> list[Rect]:
    """Tile rectangles of one gallery frame (BGR or grey), row by row, left to right."""
    h, w = frame.shape[:2]
    s = 2  # every second pixel: 4x cheaper; boundaries are found to 2 px, moved inward so no gap pixel is kept
    gray = (frame[::s, ::s] if frame.ndim == 2 else frame[::s, ::s].mean(axis=2)).astype(np.float32)
    m = max(1, min_tile // s)
    tiles: list[Rect] = []
    for y0, y1 in _runs(_uniform(gray, 1, tolerance, outliers), m):
        for x0, x1 in _runs(_uniform(gray[y0:y1], 0, tolerance, outliers), m):
            tiles.append((x0 * s, y0 * s, (x1 - 1) * s + 1, (y1 - 1) * s + 1))
    return tiles or [(0, 0, w, h)]


def tile_of(point: tuple[float, float], tiles: list[Rect]) -> Rect | None:
    """The tile holding ``point`` (x, y), or None."""
    x, y = point
    for t in tiles:
        if t[0] <= x < t[2] and t[1] <= y < t[3]:
            return t
    return None


def overlap(a: Rect, b: Rect) -> float:
    """Intersection over union of two rectangles."""
    iw = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def square_in_tile(centre: tuple[float, float], side: int, tile: Rect) -> tuple[int, int, int]:
    """The square of ``side`` (at most the tile's shorter side) centred on ``centre`` and moved inside ``tile``."""
    side = int(min(side, tile[2] - tile[0], tile[3] - tile[1]))
    x0 = int(round(centre[0] - side / 2))
    y0 = int(round(centre[1] - side / 2))
    x0 = min(max(x0, tile[0]), tile[2] - side)
    y0 = min(max(y0, tile[1]), tile[3] - side)
    return x0, y0, side
