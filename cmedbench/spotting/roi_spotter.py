"""The ROI spotter's decisions, every one of them made on the training participants only.

From the normalised ROI motion (``roi.normalise``: frames x ROIs per video):
1. ROIs ranked by how well they stand out at the training events: the median, over training events,
   of the percentile their peak reaches within its video (a region no training event moves ranks last;
   on the synthetic default the mouth corners come first and the brows last, which blinks move).
2. The signal is the largest of the top ``m`` ROIs' values; a peak above ``threshold`` (one value for
   every video, the ROIs' common scale makes that possible) is spotted, peaks closer than ``k`` frames
   keep the higher one.
3. The interval is [peak - before, peak + after], ``before``/``after`` the training events' median
   distances from their onset and offset to their signal peak (MEGC's spotters place a fixed-length
   window on each peak, SOFTNet's [peak - k, peak + k]; here its sides are learnt).
``m`` and ``threshold`` together maximise the pooled F1 over the training videos (ties: fewer ROIs, the
higher threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import score_intervals
from .spotter import intervals_table

THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(1.0, 8.01, 0.25))


@dataclass(frozen=True)
class RoiSpotter:
    rois: tuple[int, ...]  # column indices, best first
    threshold: float
    before: int
    after: int
    k: int

    def signal(self, z: np.ndarray) -> np.ndarray:
        return z[:, list(self.rois)].max(axis=1) if len(z) else np.zeros(0, np.float32)

    def spot(self, z: np.ndarray) -> list[tuple[int, int, float]]:
        return spot_peaks(self.signal(z), self.threshold, self.before, self.after, self.k)

    def as_dict(self) -> dict:
        """The settings (``rois`` as column indices, ``roi_names`` as ``roi.ROIS`` names)."""
        from .roi import ROIS

        names = list(ROIS)
        return {"rois": list(self.rois), "roi_names": [names[j] for j in self.rois], "threshold": self.threshold,
                "before": self.before, "after": self.after, "k": self.k}


def spot_peaks(signal: np.ndarray, threshold: float, before: int, after: int, k: int) -> list[tuple[int, int, float]]:
    """(onset, offset, peak height) per peak above ``threshold``, [peak - before, peak + after] clipped to
    the video; overlapping intervals merge into one (the higher peak's height)."""
    from scipy.signal import find_peaks

    s = np.asarray(signal, float)
    if len(s) < 3 or not np.isfinite(s).all():
        return []
    peaks, _ = find_peaks(s, height=threshold, distance=max(k, 1))
    out: list[tuple[int, int, float]] = []
    for peak in peaks:
        on, off, height = max(int(peak) - before, 0), min(int(peak) + after, len(s) - 1), float(s[peak])
        if out and on <= out[-1][1]:
            prev = out.pop()
            on, off, height = prev[0], max(prev[1], off), max(prev[2], height)
        out.append((on, off, height))
    return out


def _events(truth: dict, videos) -> list[tuple[int, int, int]]:
    keep = np.isin(truth["video"], list(videos))
    return list(zip(truth["video"][keep].tolist(), truth["onset"][keep].tolist(), truth["offset"][keep].tolist()))


def rank_rois(z: dict[int, np.ndarray], truth: dict, train: list[int], k: int) -> list[int]:
    """ROI columns, best first: median percentile of each training event's peak within its video."""
    events = _events(truth, train)
    n_rois = next(iter(z.values())).shape[1]
    if not events:
        return list(range(n_rois))
    scores = []
    for j in range(n_rois):
        pct = []
        for v, on, off in events:
            col = z[v][:, j]
            peak = col[on:min(off + k, len(col) - 1) + 1].max()
            pct.append(float((col < peak).mean()))
        scores.append(float(np.median(pct)))
    return sorted(range(n_rois), key=lambda j: (-scores[j], j))


def peak_offsets(signals: dict[int, np.ndarray], truth: dict, train: list[int], k: int) -> tuple[int, int]:
    """(before, after): median frames from the training events' onset to their signal peak (the peak
    searched in [onset, offset + k]) and from that peak to their offset, at least 0."""
    before, after = [], []
    for v, on, off in _events(truth, train):
        s = signals[v]
        hi = min(off + k, len(s) - 1)
        if hi < on:
            continue
        peak = on + int(np.argmax(s[on:hi + 1]))
        before.append(peak - on)
        after.append(off - peak)
    if not before:
        return k // 2, k // 2
    return max(int(round(np.median(before))), 0), max(int(round(np.median(after))), 0)


def spots_table(spotter: RoiSpotter, z: dict[int, np.ndarray], videos: list[int]) -> dict:
    """The spotter's intervals over ``videos`` as metric-ready arrays (score: the peak height)."""
    return intervals_table((v, *spotted) for v in videos for spotted in spotter.spot(z[v]))


def fit_roi_spotter(z: dict[int, np.ndarray], truth: dict, train: list[int], k: int, fps: np.ndarray,
                    iou_threshold: float = 0.5) -> RoiSpotter:
    """The spotter whose ROI count and threshold give the best pooled F1 on the ``train`` videos."""
    order = rank_rois(z, truth, train, k)
    keep = np.isin(truth["video"], train)
    t = {key: truth[key][keep] for key in ("video", "onset", "offset", "fps")}
    best, best_f1 = None, -1.0
    for m in range(1, len(order) + 1):
        rois = tuple(order[:m])
        signals = {v: z[v][:, list(rois)].max(axis=1) for v in train}
        before, after = peak_offsets(signals, truth, train, k)
        for threshold in sorted(THRESHOLD_GRID, reverse=True):
            candidate = RoiSpotter(rois, float(threshold), before, after, k)
            s = spots_table(candidate, z, train)
            s["fps"] = fps[s["video"]] if len(s["video"]) else np.zeros(0)
            f1 = score_intervals(t, s, iou_threshold)["overall"]["f1"]
            if f1 > best_f1 + 1e-12:
                best, best_f1 = candidate, f1
    return best


def window_candidates(truth: dict, videos) -> tuple[int, ...]:
    """The frame gaps k worth trying: the quartiles of the training events' onset-to-apex frames (an ME's
    rise is what frame t against t - k must span), at least 1; (2,) when no event has an apex."""
    keep = np.isin(truth["video"], list(videos))
    apex = truth["apex"][keep]
    rise = (apex - truth["onset"][keep])[apex >= 0]
    if not len(rise):
        return (2,)
    return tuple(sorted({max(int(round(q)), 1) for q in np.quantile(rise, (0.25, 0.5, 0.75))}))


def fit_over_windows(z_of_k: dict[int, dict[int, np.ndarray]], truth: dict, train: list[int], fps: np.ndarray,
                     iou_threshold: float = 0.5) -> tuple[RoiSpotter, float]:
    """(spotter, its training F1) over every window k in ``z_of_k`` (ties: the smaller k)."""
    keep = np.isin(truth["video"], train)
    t = {key: truth[key][keep] for key in ("video", "onset", "offset", "fps")}
    best, best_f1 = None, -1.0
    for k in sorted(z_of_k):
        spotter = fit_roi_spotter(z_of_k[k], truth, train, k, fps, iou_threshold)
        s = spots_table(spotter, z_of_k[k], train)
        s["fps"] = fps[s["video"]] if len(s["video"]) else np.zeros(0)
        f1 = score_intervals(t, s, iou_threshold)["overall"]["f1"]
        if f1 > best_f1 + 1e-12:
            best, best_f1 = spotter, f1
    return best, best_f1
