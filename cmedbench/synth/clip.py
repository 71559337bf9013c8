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
    """Draws one subject under given AU weights, blink, talk, head motion and gain (BGR uint8)."""

    def __init__(self, subject: Subject, noise_sigma: float, seed: int):
        self.subject = subject
        self.gx, self.gy = np.meshgrid(np.arange(SIZE, dtype=np.float32), np.arange(SIZE, dtype=np.float32))
        self.base = np.ascontiguousarray(subject.image[..., ::-1])  # BGR
        rng = np.random.default_rng(seed)
        self.noise = [rng.normal(0, noise_sigma, (SIZE, SIZE, 3)).astype(np.float32) for _ in range(4)]
        self.count = 0

    def field(self, au_weights: dict[str, float]) -> np.ndarray:
        f = np.zeros((SIZE, SIZE, 2), np.float32)
        for au, w in au_weights.items():
            if w:
                f += np.float32(w) * self.subject.au_fields[au]
        return f

    def frame(self, au_field: np.ndarray, blink: float, talk: float, motion, gain: float) -> np.ndarray:
        import cv2

        f = au_field
        if blink:
            f = f + np.float32(blink) * self.subject.blink_field
        if talk:
            f = f + np.float32(talk) * self.subject.talk_field
        roll, tx, ty, sc = motion
        m = cv2.getRotationMatrix2D((SIZE / 2, SIZE / 2), roll, sc) + np.array([[0, 0, tx], [0, 0, ty]])
        inv = cv2.invertAffineTransform(m).astype(np.float32)
        mx = inv[0, 0] * self.gx + inv[0, 1] * self.gy + inv[0, 2] + f[..., 0]
        my = inv[1, 0] * self.gx + inv[1, 1] * self.gy + inv[1, 2] + f[..., 1]
        out = cv2.remap(self.base, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        out = out * np.float32(255 * gain) + self.noise[self.count % 4]
        self.count += 1
        return np.clip(out, 0, 255).astype(np.uint8)


def jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    """A JPEG round trip: the blocking and ringing of a video call's compression."""
    import cv2

    ok, buf = cv2.imencode(".jpg", frame, [int(cv2.IMWRITE_JPEG_QUALITY), quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def clip_frames(subject: Subject, plan: ClipPlan):
    """Yield the clip's frames as 300x300 BGR uint8 (what gets encoded)."""
    r = FrameRenderer(subject, plan.noise_sigma, plan.seed + 1)
    au_field = r.field(dict(zip(plan.aus, plan.intensities)))
    for i in range(plan.n_frames):
        frame = r.frame(np.float32(plan.profile[i]) * au_field, plan.blink[i], plan.talk[i], plan.motion[i],
                        plan.gain[i])
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
