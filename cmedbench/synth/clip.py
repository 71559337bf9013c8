"""One synthetic clip: an ME event (or none) plus the confounders of real recordings, as a Zoom tile.

Every clip moves: small head motion, blinks and, sometimes, talking and a lighting change, at the
same rates whatever its class, so only the AU event tells an ME clip from a No-ME clip. The video then
goes through what a screen recording does to it: a brightness flicker, sensor noise, JPEG-like
compression, and the odd duplicated or dropped frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..release.labels import NO_ME
from .expressions import EMOTION_AUS, FPS, blink_profile, me_profile, smooth_noise
from .face import SIZE, Subject


@dataclass(frozen=True)
class ClipPlan:
    """Everything random about a clip, drawn up front so that rendering is a pure function of it."""

    emotion: str
    n_frames: int
    seed: int
    aus: tuple[str, ...] = ()
    intensities: tuple[float, ...] = ()
    onset: int | None = None
    apex: int | None = None
    offset: int | None = None
    profile: np.ndarray = field(default=None, repr=False)  # ME intensity per written frame
    blink: np.ndarray = field(default=None, repr=False)
    talk: np.ndarray = field(default=None, repr=False)
    motion: np.ndarray = field(default=None, repr=False)  # n x 4: roll deg, tx, ty, scale
    gain: np.ndarray = field(default=None, repr=False)
    n_blinks: int = 0
    talking: bool = False
    light_change: bool = False
    jpeg_quality: int = 60
    noise_sigma: float = 2.0
    duplicated: int = 0
    dropped: int = 0


def plan_clip(emotion: str, n_frames: int, seed: int, intensity_range: tuple[float, float] = (0.6, 1.0),
              talk_prob: float = 0.25, light_prob: float = 0.25, dup_prob: float = 0.015,
              drop_prob: float = 0.015) -> ClipPlan:
    """Draw a clip's AU event, confounders and degradations. Written frame i shows time ``src[i]``."""
    rng = np.random.default_rng(seed)
    # duplicated / dropped frames of a screen recorder: the written frames show these source times
    src, t = [], 0
    for _ in range(n_frames):
        src.append(t)
        r = rng.random()
        t += 0 if r < dup_prob else (2 if r < dup_prob + drop_prob else 1)
    src = np.array(src)
    n_src = int(src[-1]) + 1
    duplicated = int(np.sum(np.diff(src) == 0))
    dropped = int(np.sum(np.diff(src) == 2))

    aus: tuple[str, ...] = ()
    intensities: tuple[float, ...] = ()
    profile = np.zeros(n_frames)
    onset = apex = offset = None
    if emotion != NO_ME:
        combos = EMOTION_AUS[emotion]
        aus = combos[int(rng.integers(len(combos)))]
        intensities = tuple(float(x) for x in rng.uniform(*intensity_range, size=len(aus)))
        p_src, _, _, _ = me_profile(n_src, rng)
        profile = p_src[src]
        apex = int(np.argmax(profile))  # the true apex of the written clip
        active = np.nonzero(profile > 0)[0]
        onset, offset = int(active[0]), int(active[-1])
    blink_src, n_blinks = blink_profile(n_src, rng)
    talking = bool(rng.random() < talk_prob)
    talk_src = np.zeros(n_src)
    if talking:
        freq = rng.uniform(3, 5) / FPS  # syllables per frame
        talk_src = np.clip(0.5 + 0.5 * np.sin(2 * np.pi * freq * np.arange(n_src) + rng.uniform(0, 6.3)), 0, 1)
        talk_src *= rng.uniform(0.4, 1.0)
    motion = np.column_stack([smooth_noise(n_src, rng, 0.8), smooth_noise(n_src, rng, 1.2),
                              smooth_noise(n_src, rng, 1.0), 1 + smooth_noise(n_src, rng, 0.006)])
    light_change = bool(rng.random() < light_prob)
    gain = 1 + rng.normal(0, 0.008, size=n_src)  # flicker
    if light_change:
        gain *= 1 + rng.uniform(-0.08, 0.08) * np.clip((np.arange(n_src) - rng.uniform(0, n_src)) / 8, 0, 1)
    return ClipPlan(emotion, n_frames, seed, aus, intensities, onset, apex, offset, profile, blink_src[src],
                    talk_src[src], motion[src], gain[src], n_blinks, talking, light_change,
                    int(rng.integers(40, 80)), float(rng.uniform(1.0, 3.0)), duplicated, dropped)


class FrameRenderer:
    """Draws one subject under given AU weights, blink, talk, head motion and gain (BGR uint8).

    Speed without changing a byte: motion fields are kept as contiguous x / y planes, every per-frame
    array is written into buffers allocated once, and a zero field (no AU, blink or talk this frame) is
    not added at all (adding zeros leaves every coordinate unchanged). The float32 operations and their
    order are those of the plain expression ``inv00 * gx + inv01 * gy + inv02 + field``.
    """

    def __init__(self, subject: Subject, noise_sigma: float, seed: int):
        self.subject = subject
        self.gx, self.gy = np.meshgrid(np.arange(SIZE, dtype=np.float32), np.arange(SIZE, dtype=np.float32))
        self.base = np.ascontiguousarray(subject.image[..., ::-1])  # BGR
        rng = np.random.default_rng(seed)
        self.noise = [rng.normal(0, noise_sigma, (SIZE, SIZE, 3)).astype(np.float32) for _ in range(4)]
        self.count = 0
        self.blink_planes = _planes(subject.blink_field)
        self.talk_planes = _planes(subject.talk_field)
        self._map = (np.empty((SIZE, SIZE), np.float32), np.empty((SIZE, SIZE), np.float32))
        self._term = np.empty((SIZE, SIZE), np.float32)
        self._field = (np.empty((SIZE, SIZE), np.float32), np.empty((SIZE, SIZE), np.float32))
        self._out = np.empty((SIZE, SIZE, 3), np.float32)

    def field(self, au_weights: dict[str, float]) -> np.ndarray:
        f = np.zeros((SIZE, SIZE, 2), np.float32)
        for au, w in au_weights.items():
            if w:
                f += np.float32(w) * self.subject.au_fields[au]
        return f

    def _frame_field(self, au_planes, intensity: float, blink: float, talk: float):
        """The frame's (x, y) field planes, or None where it is zero everywhere."""
        terms = [(np.float32(intensity), au_planes)] if intensity and au_planes is not None else []
        terms += [(np.float32(w), planes) for w, planes in ((blink, self.blink_planes), (talk, self.talk_planes)) if w]
        if not terms:
            return None
        for axis in (0, 1):
            np.multiply(terms[0][1][axis], terms[0][0], out=self._field[axis])
            for w, planes in terms[1:]:
                np.multiply(planes[axis], w, out=self._term)
                np.add(self._field[axis], self._term, out=self._field[axis])
        return self._field

    def frame(self, au_field, blink: float, talk: float, motion, gain: float, intensity: float = 1.0) -> np.ndarray:
        """``au_field``: a SIZE x SIZE x 2 field (scaled by ``intensity``), its planes, or None."""
        import cv2

        if au_field is not None and not isinstance(au_field, tuple):
            au_field = _planes(au_field)
        f = self._frame_field(au_field, intensity, blink, talk)
        roll, tx, ty, sc = motion
        m = cv2.getRotationMatrix2D((SIZE / 2, SIZE / 2), roll, sc) + np.array([[0, 0, tx], [0, 0, ty]])
        inv = cv2.invertAffineTransform(m).astype(np.float32)
        for axis in (0, 1):
            out = self._map[axis]
            np.multiply(self.gx, inv[axis, 0], out=out)
            np.multiply(self.gy, inv[axis, 1], out=self._term)
            np.add(out, self._term, out=out)
            np.add(out, inv[axis, 2], out=out)
            if f is not None:
                np.add(out, f[axis], out=out)
        out = cv2.remap(self.base, self._map[0], self._map[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        np.multiply(out, np.float32(255 * gain), out=self._out)
        np.add(self._out, self.noise[self.count % 4], out=self._out)
        self.count += 1
        np.clip(self._out, 0, 255, out=self._out)
        return self._out.astype(np.uint8)


def _planes(field: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(field[..., 0]), np.ascontiguousarray(field[..., 1])


def jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    """A JPEG round trip: the blocking and ringing of a video call's compression."""
    import cv2

    ok, buf = cv2.imencode(".jpg", frame, [int(cv2.IMWRITE_JPEG_QUALITY), quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def clip_frames(subject: Subject, plan: ClipPlan):
    """Yield the clip's frames as 300x300 BGR uint8 (what gets encoded)."""
    r = FrameRenderer(subject, plan.noise_sigma, plan.seed + 1)
    au_planes = _planes(r.field(dict(zip(plan.aus, plan.intensities)))) if plan.aus else None
    for i in range(plan.n_frames):
        frame = r.frame(au_planes, plan.blink[i], plan.talk[i], plan.motion[i], plan.gain[i], plan.profile[i])
        yield jpeg(frame, plan.jpeg_quality)


def write_clip(path: Path, subject: Subject, plan: ClipPlan) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (SIZE, SIZE))
    if not writer.isOpened():
        raise RuntimeError(f"cannot open a video writer for {path}")
    try:
        for frame in clip_frames(subject, plan):
            writer.write(frame)
    finally:
        writer.release()
    return path
