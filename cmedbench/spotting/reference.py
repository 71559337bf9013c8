"""The slow, independent reference of the interval metrics: every (truth, spot) pair, plain Python, IoU
from frame sets. Tests and the benchmark compare ``metrics.score_intervals`` against it."""

from __future__ import annotations


def frame_iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    fa, fb = set(range(a[0], a[1] + 1)), set(range(b[0], b[1] + 1))
    return len(fa & fb) / len(fa | fb)


def reference_matches(truths: list[tuple], spots: list[tuple], threshold: float = 0.5) -> list[tuple[int, int]]:
    """(truth index, spot index) pairs; truths and spots are (video, onset, offset) tuples."""
    pairs = []
    for i, (tv, ton, toff) in enumerate(truths):
        for j, (sv, son, soff) in enumerate(spots):
            if tv == sv:
                value = frame_iou((ton, toff), (son, soff))
                if value >= threshold:
                    pairs.append((-value, i, j))
    pairs.sort()
    taken_t, taken_s, out = set(), set(), []
    for _, i, j in pairs:
        if i not in taken_t and j not in taken_s:
            taken_t.add(i)
            taken_s.add(j)
            out.append((i, j))
    return out


def reference_f1(truths: list[tuple], spots: list[tuple], threshold: float = 0.5) -> float:
    tp = len(reference_matches(truths, spots, threshold))
    if not tp:
        return 0.0
    precision, recall = tp / len(spots), tp / len(truths)
    return 2 * precision * recall / (precision + recall)
