"""From a motion signal to spotted intervals, and the threshold chosen on training videos only.

MEGC's rule: a peak is spotted where the signal rises above T = mean + p x (max - mean) of its video;
peaks closer than ``k`` frames keep the higher one; the interval is the peak's width at half its
prominence, at least ``k`` frames wide. ``p`` is the one value from a grid that maximises the pooled
F1 on the training participants' videos.
"""

from __future__ import annotations

import numpy as np

from .metrics import score_intervals

P_GRID = tuple(round(x, 2) for x in np.arange(0.05, 1.0, 0.05))


def spot(signal: np.ndarray, p: float, k: int = 5) -> list[tuple[int, int, float]]:
    """(onset, offset, peak height) per spotted interval, non-overlapping, in frame order."""
    from scipy.signal import find_peaks, peak_widths

    s = np.asarray(signal, float)
    if len(s) < 3 or not np.isfinite(s).all() or s.max() <= s.mean():
        return []
    threshold = s.mean() + p * (s.max() - s.mean())
    peaks, _ = find_peaks(s, height=threshold, distance=max(k, 1))
    if not len(peaks):
        return []
    _, _, left, right = peak_widths(s, peaks, rel_height=0.5)
    out: list[tuple[int, int, float]] = []
    for peak, a, b in zip(peaks, left, right):
        on, off = int(np.floor(a)), int(np.ceil(b))
        if off - on + 1 < k:
            on, off = int(peak) - k // 2, int(peak) - k // 2 + k - 1
        on, off = max(on, 0), min(off, len(s) - 1)
        if out and on <= out[-1][1]:  # overlapping: keep one interval spanning both
            prev = out.pop()
            on, off, height = prev[0], max(prev[1], off), max(prev[2], float(s[peak]))
        else:
            height = float(s[peak])
        out.append((on, off, height))
    return out


def spots_table(signals: dict[int, np.ndarray], videos: list[int], p: float, k: int) -> dict:
    """Spotted intervals of ``videos`` (int codes) as metric-ready arrays (with a score: the peak height)."""
    return intervals_table((v, *spotted) for v in videos for spotted in spot(signals[v], p, k))


def intervals_table(spots) -> dict:
    """(video, onset, offset, score) tuples as the metric-ready arrays ``score_intervals`` reads."""
    rows = list(spots)
    cols = list(zip(*rows)) if rows else [(), (), (), ()]
    return {"video": np.array(cols[0], np.int64), "onset": np.array(cols[1], np.int64),
            "offset": np.array(cols[2], np.int64), "score": np.array(cols[3], float)}


def choose_p(signals: dict[int, np.ndarray], truth: dict, train_videos: list[int], k: int, fps: np.ndarray,
             threshold: float = 0.5) -> float:
    """The grid value of p with the best pooled F1 over ``train_videos`` (ties: the smaller p)."""
    keep = np.isin(truth["video"], train_videos)
    t = {"video": truth["video"][keep], "onset": truth["onset"][keep], "offset": truth["offset"][keep],
         "fps": truth["fps"][keep]}
    best, best_f1 = P_GRID[0], -1.0
    for p in P_GRID:
        s = spots_table(signals, train_videos, p, k)
        s["fps"] = fps[s["video"]] if len(s["video"]) else np.zeros(0)
        f1 = score_intervals(t, s, threshold)["overall"]["f1"]
        if f1 > best_f1 + 1e-12:
            best, best_f1 = p, f1
    return best
