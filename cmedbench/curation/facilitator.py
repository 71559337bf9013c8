"""Who leads the session, judged over the whole recording: speaking time and screen-share ownership.

The paper excludes the adult facilitator, who talks far more than the children. One segment's mouth
motion cannot say that: every real talking face moves its mouth, and the same person's value changes
with the segment's length. Compared across the tiles of one recording, the facilitator stands out.

The second cue is who owns the screen shares (``share_owner``: the speaker's face shown next to the
slide). Sharing alone does not make an adult: a child may show a drawing. So ownership lowers the
speaking bar but never replaces it:

* ``speaking_ratio`` >= ``ratio`` (2.0): flagged, share or not;
* owner of at least ``share_fraction`` (0.5) of the recording's speaker samples and ``speaking_ratio``
  >= ``share_ratio`` (1.5): flagged;
* otherwise not flagged; a recording without the cue falls back to speaking time alone.

``share_ownership`` and ``facilitator_evidence`` (in words, without commas so that ``cut -d,`` works;
"no share cue" when there is none) are written to every segment of the recording.
"""

from __future__ import annotations

import numpy as np

from .share_owner import ShareEvidence

NO_SHARE = ShareEvidence()


def speaking_ratios(segments: list[dict], min_samples: int) -> dict[str, float]:
    """participant -> its speaking score (segments' mouth motion, weighted by samples) over the median of
    the others'; only participants seen in at least ``min_samples`` samples, and only when there are
    two of them (one participant has no one to compare with)."""
    seats: dict[str, list[dict]] = {}
    for seg in segments:
        seats.setdefault(seg["participant"], []).append(seg)
    scores = {}
    for seat, segs in seats.items():
        weight = sum(s["samples_with_face"] for s in segs if s["mouth_motion"] > 0)
        if weight >= min_samples:
            talk = sum(s["mouth_motion"] * s["samples_with_face"] for s in segs if s["mouth_motion"] > 0)
            scores[seat] = talk / weight
    ratios = {}
    for seat, score in scores.items():
        others = [v for k, v in scores.items() if k != seat]
        if others:
            ratios[seat] = score / max(float(np.median(others)), 1e-6)
    return ratios


def _evidence(r: float | None, own: float | None, share: ShareEvidence, owned: int, ratio: float,
              share_fraction: float, share_ratio: float) -> str:
    speaking = (f"speaking {r:.2f}x the others' median (flag at {ratio:g}x)" if r is not None
                else "speaking: too few samples or no one to compare with")
    if own is None:
        why = ("no share frame sampled" if not share.samples
               else f"none of {share.samples} share samples shows one speaker")
        return f"{speaking}; no share cue ({why})"
    verdict = ""
    if own >= share_fraction:
        verdict = (f": owns the share and speaks >= {share_ratio:g}x" if r is not None and r >= share_ratio
                   else f": owns the share but speaks < {share_ratio:g}x (sharing alone does not flag)")
    return f"{speaking}; speaker in {owned} of {share.with_speaker} share samples{verdict}"


def flag_facilitator(segments: list[dict], ratio: float, min_samples: int, share: ShareEvidence = NO_SHARE,
                     share_fraction: float = 0.5, share_ratio: float = 1.5) -> None:
    """Adds ``likely_facilitator`` (rule in the module docstring) and the evidence columns
    ``speaking_ratio``, ``share_ownership`` and ``facilitator_evidence`` to the segments of one recording."""
    ratios = speaking_ratios(segments, min_samples)
    for seg in segments:
        seat = seg["participant"]
        r, own = ratios.get(seat), share.ownership(seat)
        by_speaking = r is not None and r >= ratio
        by_share = r is not None and own is not None and own >= share_fraction and r >= share_ratio
        if r is not None:
            seg["speaking_ratio"] = round(r, 3)
        seg["share_ownership"] = "" if own is None else round(own, 3)
        seg["facilitator_evidence"] = _evidence(r, own, share, share.owned.get(seat, 0), ratio, share_fraction,
                                                share_ratio)
        if by_speaking or by_share:
            seg["flags"] = ";".join([f for f in seg["flags"].split(";") if f] + ["likely_facilitator"])
