"""Who owns a screen share, from the recording's own pixels: the speaker's face shown next to the slide.

Zoom can record a share with the active speaker's video beside it: cloud recordings of type "shared
screen with speaker view" (``recording_type`` ``shared_screen_with_speaker_view``), and local
recordings made with "Record video during screen sharing" and "Place video next to the shared screen in
the recording" (docs/curation.md cites both). Whoever shares usually talks over their slide, so the face
in that thumbnail during share spans is evidence of who owns the share.

At every sampled share frame, the faces Haar finds anywhere in the frame are confirmed and described by
dlib (the 128-D descriptor the identity step uses). A frame with exactly one described face is a sample
of its speaker; a frame with none (a full-frame slide: a "shared screen" only recording) or several (the
thumbnail strip of "shared screen with gallery view", whose pixels do not say who speaks) is no
evidence. Each speaker sample goes to the participant whose mean descriptor is nearest, if below dlib's
same-person distance and clearly nearer than the next participant (distance at most ``margin`` times
the runner-up's, Lowe's ratio test): a face that matches nobody (someone with no gallery tile), or two
participants alike (the synthetic children are, to dlib), counts for no one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .detect import detect_faces
from .segment_config import SegmentConfig


@dataclass(frozen=True)
class ShareSample:
    """One sampled share frame: its index, how many faces dlib described, the speaker's descriptor (one face)."""

    frame: int
    faces: int
    descriptor: np.ndarray | None = None


@dataclass(frozen=True)
class ShareEvidence:
    """A recording's share cue: share frames sampled, those showing one speaker, and the samples per
    participant whose face that speaker is."""

    samples: int = 0
    with_speaker: int = 0
    owned: dict = field(default_factory=dict)

    @property
    def has_cue(self) -> bool:
        return self.with_speaker > 0

    def ownership(self, participant: str) -> float | None:
        """The share of speaker samples showing ``participant`` (None without a cue)."""
        return self.owned.get(participant, 0) / self.with_speaker if self.has_cue else None


def share_speaker(frame: np.ndarray, index: int, cascade, cfg: SegmentConfig) -> ShareSample:
    """The faces next to the slide of one share frame, described by dlib (at most ``share_max_faces``)."""
    import cv2

    from .identity import face_descriptor

    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    found = []
    for x, y, bw, bh in detect_faces(cascade, gray, cfg, cfg.detect_scale)[:cfg.share_max_faces]:
        side = int(cfg.area_scale * max(bw, bh))  # the face with its surroundings: dlib confirms and describes
        x0, y0 = max(int(x + bw / 2 - side / 2), 0), max(int(y + bh / 2 - side / 2), 0)
        d = face_descriptor(np.ascontiguousarray(frame[y0:min(y0 + side, h), x0:min(x0 + side, w)]))
        if d is not None:
            found.append(d)
    return ShareSample(index, len(found), found[0] if len(found) == 1 else None)


def share_evidence(samples: list[ShareSample], participants: list[str], descriptors: list[list[np.ndarray]],
                   threshold: float, margin: float = 0.8) -> ShareEvidence:
    """Each speaker sample matched to the participant (one id per segment, with the segment's dlib
    descriptors) whose mean descriptor is nearest, closer than ``threshold`` and than ``margin`` times
    the second nearest."""
    by_person: dict[str, list[np.ndarray]] = {}
    for pid, descs in zip(participants, descriptors):
        by_person.setdefault(pid, []).extend(descs)
    means = {p: np.mean(d, axis=0) for p, d in by_person.items() if d}
    owned: dict[str, int] = {}
    speakers = [s for s in samples if s.descriptor is not None]
    for s in speakers:
        dist = {p: float(np.linalg.norm(m - s.descriptor)) for p, m in means.items()}
        ranked = sorted(dist, key=dist.get)
        if not ranked or dist[ranked[0]] >= threshold:
            continue
        best = ranked[0]
        if len(ranked) == 1 or dist[best] <= margin * dist[ranked[1]]:
            owned[best] = owned.get(best, 0) + 1
    return ShareEvidence(len(samples), len(speakers), owned)
