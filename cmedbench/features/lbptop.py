"""LBP-TOP (Zhao & Pietikainen; CMED Eq. 4-5): uniform LBP codes on the XY, XT and YT planes of a clip,
histogrammed over a block grid. Vectorised numpy.

Sampling and codes are scikit-image's: neighbour p sits at (row - R sin(2 pi p / P),
col + R cos(2 pi p / P)) rounded to 5 decimals, bilinearly interpolated (0 outside the image), bit
p set when neighbour - centre >= 0 (Eq. 5); ``nri_uniform`` maps the P-bit code to P(P-1)+3 bins (59
for P = 8): uniform patterns by their ones and rotation, every other pattern to the last bin.

Planes of a T x H x W volume: XY images are frames; XT images (rows t, columns x) are taken at each
y; YT images (rows t, columns y) at each x. Only pixels whose whole neighbourhood lies inside the
volume in every plane are counted (t, y, x in [R, dim - R)), so with the paper's three key frames
(onset, apex, offset) and R = 1 the codes come from the apex frame's plane positions.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .config import LbpTopConfig

_P, _R, _GRID = LbpTopConfig.points, LbpTopConfig.radius, LbpTopConfig.grid


def offsets(P: int, R: float) -> tuple[np.ndarray, np.ndarray]:
    rr = -R * np.sin(2 * np.pi * np.arange(P, dtype=np.double) / P)
    cc = R * np.cos(2 * np.pi * np.arange(P, dtype=np.double) / P)
    return np.round(rr, 5), np.round(cc, 5)


@lru_cache(maxsize=None)
def nri_uniform_table(P: int) -> np.ndarray:
    """Default code (0 .. 2^P - 1) -> nri_uniform bin, exactly as scikit-image assigns them."""
    table = np.empty(2**P, dtype=np.int32)
    for code in range(2**P):
        bits = [(code >> i) & 1 for i in range(P)]
        changes = sum(abs(bits[i] - bits[i + 1]) for i in range(P - 1))
        if changes > 2:
            table[code] = P * (P - 1) + 2
            continue
        n_ones = sum(bits)
        if n_ones == 0:
            table[code] = 0
        elif n_ones == P:
            table[code] = P * (P - 1) + 1
        else:
            first_one = bits.index(1)
            first_zero = bits.index(0)
            rot = n_ones - first_zero if first_one == 0 else P - first_one
            table[code] = 1 + (n_ones - 1) * P + rot
    return table


def n_bins(P: int) -> int:
    return P * (P - 1) + 3


def _codes(images: np.ndarray, P: int, R: float, rows: slice, cols: slice) -> np.ndarray:
    """nri_uniform codes of a stack of images (N x H x W) at the pixels rows x cols only.

    Neighbours are bilinear samples with the same arithmetic, in the same order, as scikit-image's
    bilinear_interpolation (0 outside the image).
    """
    n, h, w = images.shape
    r0, r1, _ = rows.indices(h)
    c0, c1, _ = cols.indices(w)
    pad = int(np.ceil(R)) + 1
    p = np.pad(images, ((0, 0), (pad, pad), (pad, pad)))
    centre = p[:, pad + r0:pad + r1, pad + c0:pad + c1]

    def at(dy: int, dx: int) -> np.ndarray:
        return p[:, pad + r0 + dy:pad + r1 + dy, pad + c0 + dx:pad + c1 + dx]

    code = np.zeros(centre.shape, dtype=np.int64)
    for i, (r, c) in enumerate(zip(*offsets(P, R))):
        minr, minc = int(np.floor(r)), int(np.floor(c))
        maxr, maxc = int(np.ceil(r)), int(np.ceil(c))
        dr, dc = r - minr, c - minc
        if dr == 0 and dc == 0:  # on the pixel grid: interpolation would return the pixel itself, exactly
            sample = at(minr, minc)
        else:
            top = (1 - dc) * at(minr, minc) + dc * at(minr, maxc)
            bottom = (1 - dc) * at(maxr, minc) + dc * at(maxr, maxc)
            sample = (1 - dr) * top + dr * bottom
        code |= ((sample - centre) >= 0).astype(np.int64) << i
    return nri_uniform_table(P)[code]


def lbp_codes(images: np.ndarray, P: int = _P, R: float = _R) -> np.ndarray:
    """nri_uniform LBP codes of a 2-D image or a stack of them (N x H x W), every pixel."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2:
        return _codes(images[None], P, R, slice(None), slice(None))[0]
    return _codes(images, P, R, slice(None), slice(None))


def lbp_top(volume: np.ndarray, P: int = _P, R: float = _R, grid: tuple[int, int] = _GRID) -> np.ndarray:
    """LBP-TOP feature of a T x H x W grey volume: per block and plane, a normalised histogram.

    Length grid_y * grid_x * 3 * (P(P-1)+3): 4,425 for a 5x5 grid and P = 8.
    """
    v = np.asarray(volume, dtype=np.float64)
    t_len, h, w = v.shape
    r = int(np.ceil(R))
    if t_len < 2 * r + 1 or h < 2 * r + 1 or w < 2 * r + 1:
        raise ValueError(f"volume {v.shape} is too small for radius {R}")
    ts, ys, xs = slice(r, t_len - r), slice(r, h - r), slice(r, w - r)
    xy = _codes(v[ts], P, R, ys, xs)  # (t, y, x)
    xt = _codes(v[:, ys].transpose(1, 0, 2), P, R, ts, xs).transpose(1, 0, 2)  # an image per y: (t, x)
    yt = _codes(v[:, :, xs].transpose(2, 0, 1), P, R, ts, ys).transpose(1, 2, 0)  # an image per x: (t, y)
    return block_histograms([xy, xt, yt], n_bins(P), grid)


def block_histograms(planes: list[np.ndarray], bins: int, grid: tuple[int, int]) -> np.ndarray:
    """Histograms of (t, y, x) code arrays per (block, plane), each normalised to sum 1."""
    t, h, w = planes[0].shape
    gy, gx = grid
    by = np.minimum(np.arange(h) * gy // h, gy - 1)
    bx = np.minimum(np.arange(w) * gx // w, gx - 1)
    block = (by[:, None] * gx + bx[None, :])[None].repeat(t, axis=0).ravel()
    feats = []
    for codes in planes:
        hist = np.bincount(block * bins + codes.ravel(), minlength=gy * gx * bins).reshape(gy * gx, bins)
        feats.append(hist / np.maximum(hist.sum(axis=1, keepdims=True), 1))
    # order: block-major, then plane, then bin
    return np.stack(feats, axis=1).reshape(-1).astype(np.float32)
