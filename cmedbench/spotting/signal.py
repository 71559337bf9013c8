"""The spotter's motion signal: optical flow over a sliding window on the face region, the way MEGC's
optical-flow spotters build it (He et al. 2021; Zhao et al. 2022), reduced to what runs on a CPU.

Per frame t: Farneback flow between frames t and t+k of the central square (the tile's face), resized
to ``size`` px; the median flow vector is subtracted (global head movement); flow magnitude is averaged
in a ``grid`` x ``grid`` block layout (the ROIs) and the signal is the mean of the ``top`` most moving
blocks (an ME moves a few regions, a head turn all of them). A moving median over ``baseline``
frames is subtracted so slow drift does not lift the whole signal.
"""

from __future__ import annotations


import numpy as np


class SignalError(RuntimeError):
    """A video that cannot be read into a motion signal."""


def central_squares(grey: np.ndarray, size: int = 64) -> np.ndarray:
    """Each grey frame's central square resized to ``size`` x ``size`` (the first spotter's input; frames from ``roi.read_grey``)."""
    import cv2

    h, w = grey[0].shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    return np.stack([cv2.resize(g[y0:y0 + side, x0:x0 + side], (size, size), interpolation=cv2.INTER_AREA)
                     for g in grey])


def _block_motion(a: np.ndarray, b: np.ndarray, grid: int) -> np.ndarray:
    """Flow magnitude from a to b, head movement removed, averaged per block (grid*grid values)."""
    import cv2

    flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 2, 9, 2, 5, 1.1, 0)
    flow -= np.median(flow.reshape(-1, 2), axis=0)
    cell = a.shape[0] // grid
    mag = np.hypot(flow[..., 0], flow[..., 1])[:cell * grid, :cell * grid]
    return mag.reshape(grid, cell, grid, cell).mean(axis=(1, 3)).ravel()


def motion_signal(frames: np.ndarray, k: int = 5, grid: int = 8, top: int = 8, baseline: int = 51) -> np.ndarray:
    """One value per frame (float32), 0 within k frames of either end.

    Feature difference with flow (Moilanen et al.'s contrast of a frame against its head and tail
    frames): per block, |flow(t-k -> t)| + |flow(t -> t+k)| - |flow(t-k -> t+k)|, high at the apex of a
    movement that returns within 2k frames, low for a movement that stays (a head turn, a shift).
    """
    from scipy.ndimage import median_filter

    n = len(frames)
    out = np.zeros(n, np.float32)
    if n <= 2 * k:
        return out
    step = np.stack([_block_motion(frames[t], frames[t + k], grid) for t in range(n - k)])
    span = np.stack([_block_motion(frames[t], frames[t + 2 * k], grid) for t in range(n - 2 * k)])
    contrast = step[:n - 2 * k] + step[k:n - k] - span  # centred on t = k .. n-k-1
    out[k:n - k] = np.sort(contrast, axis=1)[:, -top:].mean(axis=1)
    return (out - median_filter(out, size=min(baseline, n) | 1, mode="nearest")).astype(np.float32)
