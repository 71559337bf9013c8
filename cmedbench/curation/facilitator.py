"""Who leads the session, judged over the whole recording rather than from one segment's mouth.

The paper excludes the adult facilitator, who talks far more than the children. One segment's mouth
motion cannot say that: every real talking face moves its mouth, and the same person's value changes
with the segment's length. Compared across the tiles of one recording, the facilitator stands out.
Screen-share ownership would be a second cue; a recording's pixels do not say who shares, so it is
not used.
"""

from __future__ import annotations

import numpy as np


def flag_facilitator(segments: list[dict], ratio: float, min_samples: int) -> None:
    """The adult who leads the session talks far more than anyone else in the recording: each
    participant's speaking score (their segments' mouth motion, weighted by samples) over the median of
    the others' is every segment's ``speaking_ratio``; the participant at ``ratio`` or more is
    ``likely_facilitator``. Only participants seen in at least ``min_samples`` samples take part: a few
    samples are no evidence. A recording with one such participant has no one to compare: no flag."""
    seats: dict[tuple, list[dict]] = {}
    for seg in segments:
        seats.setdefault(seg["participant"], []).append(seg)
    scores = {}
    for seat, segs in seats.items():
        weight = sum(s["samples_with_face"] for s in segs if s["mouth_motion"] > 0)
        if weight >= min_samples:
            scores[seat] = sum(s["mouth_motion"] * s["samples_with_face"] for s in segs if s["mouth_motion"] > 0) / weight
    for seat, score in scores.items():
        others = [v for k, v in scores.items() if k != seat]
        if not others:
            continue
        r = score / max(float(np.median(others)), 1e-6)
        for seg in seats[seat]:
            seg["speaking_ratio"] = round(r, 3)
            if r >= ratio:
                seg["flags"] = ";".join([f for f in seg["flags"].split(";") if f] + ["likely_facilitator"])
