"""Who is who across a recording: dlib's 128-D ResNet face descriptor, clustered per recording.

A participant who leaves and comes back, or whose tile moves when the grid reflows, gets a new
segment; the descriptor says it is the same person. Segments are taken in order of their start and
each joins the closest participant so far (distance between mean descriptors below ``threshold``,
dlib's 0.6 for "same person") that is not on screen at the same time; otherwise it starts a new one.
A segment without a descriptor (no face dlib could describe) is a participant of its own.
"""

from __future__ import annotations

import numpy as np


def face_descriptor(crop: np.ndarray) -> np.ndarray | None:
    """The 128-D descriptor of the largest face dlib finds in a BGR crop, or None."""
    import cv2

    from ..dlib_models import dlib_models, face_descriptor_model

    detector, predictor = dlib_models()
    rgb = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)
    for upsample in (0, 1):
        rects = detector(rgb, upsample)
        if len(rects):
            rect = max(rects, key=lambda r: r.width() * r.height())
            shape = predictor(rgb, rect)
            return np.asarray(face_descriptor_model().compute_face_descriptor(rgb, shape), dtype=np.float32)
    return None


def assign_participants(segments: list[dict], descriptors: list[list[np.ndarray]], recording: str,
                        threshold: float = 0.6) -> list[str]:
    """A participant id (``<recording>_P01`` ...) per segment, in the order given."""
    order = sorted(range(len(segments)), key=lambda k: (segments[k]["start"], k))
    people: list[dict] = []  # {"mean": descriptor sum, "n": count, "spans": [(start, end)]}
    ids = [""] * len(segments)
    for k in order:
        seg, descs = segments[k], descriptors[k]
        span = (seg["start"], seg["end"])
        best, best_d = None, threshold
        if descs:
            mine = np.mean(descs, axis=0)
            for p in people:
                if p["n"] == 0 or any(a < span[1] and span[0] < b for a, b in p["spans"]):
                    continue
                d = float(np.linalg.norm(p["sum"] / p["n"] - mine))
                if d < best_d:
                    best, best_d = p, d
        if best is None:
            best = {"id": f"{recording}_P{len(people) + 1:02d}", "sum": np.zeros(128, np.float32), "n": 0, "spans": []}
            people.append(best)
        if descs:
            best["sum"] = best["sum"] + np.mean(descs, axis=0)
            best["n"] += 1
        best["spans"].append(span)
        ids[k] = best["id"]
    return ids
