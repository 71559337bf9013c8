"""Expressions as FACS action units moving dlib's 68 landmarks, and their onset-apex-offset timing.

Each AU is a displacement of some landmarks in the face's own frame (u along the eye line, v down the
face), in units of the inter-ocular distance (IOD), so the motion follows the face's size and roll.
At intensity 1 the largest displacement is about 0.045 IOD, a few pixels on a 300x300 crop: subtle,
as micro-expressions are.

Emotion -> AU combinations: DFME (seeds/002), Table 7 "Matching Emotion and AU Combinations in MEs"
(happiness AU6+AU12, AU12; anger AU4+AU5, AU23; disgust AU4+AU7+AU10, AU14; fear AU14+AU24, AU1+AU4,
AU4+AU5; sadness AU14, AU17, AU15, AU14+AU24; surprise AU1+AU2+AU5, AU1+AU2, AU5).
Duration: an ME lasts under 0.5 s from onset to offset and under 0.25 s from onset to apex (DFME
Section 3, seeds/002), i.e. at most 12 and 6 frames at CMED's 25 fps.
"""

from __future__ import annotations

import numpy as np

# dlib 68-point indices (iBUG 300-W): image-left is the subject's right.
JAW = list(range(0, 17))
BROW_R, BROW_L = [17, 18, 19, 20, 21], [22, 23, 24, 25, 26]
NOSE = list(range(27, 36))
EYE_R, EYE_L = [36, 37, 38, 39, 40, 41], [42, 43, 44, 45, 46, 47]
UPPER_LID = [37, 38, 43, 44]
LOWER_LID = [40, 41, 46, 47]
MOUTH = list(range(48, 68))
CORNERS = (48, 54)  # mouth corners: 48 image-left, 54 image-right
UPPER_LIP = [49, 50, 51, 52, 53, 61, 62, 63]
LOWER_LIP = [55, 56, 57, 58, 59, 65, 66, 67]

FPS = 25
MAX_ME_FRAMES = 12  # < 0.5 s at 25 fps (DFME)
MAX_RISE_FRAMES = 6  # onset -> apex < 0.25 s

EMOTION_AUS: dict[str, tuple[tuple[str, ...], ...]] = {
    "happiness": (("AU6", "AU12"), ("AU12",)),
    "anger": (("AU4", "AU5"), ("AU23",)),
    "disgust": (("AU4", "AU7", "AU10"), ("AU14",)),
    "fear": (("AU14", "AU24"), ("AU1", "AU4"), ("AU4", "AU5")),
    "sadness": (("AU14",), ("AU17",), ("AU15",), ("AU14", "AU24")),
    "surprise": (("AU1", "AU2", "AU5"), ("AU1", "AU2"), ("AU5",)),
}


def _move(d: np.ndarray, idx, du: float = 0.0, dv: float = 0.0) -> None:
    d[idx, 0] += du
    d[idx, 1] += dv


def _outward(d: np.ndarray, left_idx, right_idx, amount: float) -> None:
    """Move image-left points further left and image-right points further right (negative: inward)."""
    d[left_idx, 0] -= amount
    d[right_idx, 0] += amount


def au_displacement(au: str) -> np.ndarray:
    """68 x 2 displacement (u, v) in IOD units at intensity 1 (v positive = down)."""
    d = np.zeros((68, 2))
    if au == "AU1":  # inner brow raiser
        _move(d, [20, 21, 22, 23], dv=-0.045)
        _move(d, [19, 24], dv=-0.02)
    elif au == "AU2":  # outer brow raiser
        _move(d, [17, 18, 25, 26], dv=-0.045)
        _move(d, [19, 24], dv=-0.025)
    elif au == "AU4":  # brow lowerer: brows down and together
        _move(d, BROW_R + BROW_L, dv=0.03)
        _outward(d, [20, 21], [22, 23], -0.03)
        _move(d, [37, 38, 43, 44], dv=0.008)
    elif au == "AU5":  # upper lid raiser
        _move(d, UPPER_LID, dv=-0.025)
        _move(d, [36, 39, 42, 45], dv=-0.005)
    elif au == "AU6":  # cheek raiser: lower lids and outer eye corners up
        _move(d, LOWER_LID, dv=-0.02)
        _move(d, [36, 45], dv=-0.01)
        _move(d, [1, 2, 14, 15], dv=-0.012)
    elif au == "AU7":  # lid tightener
        _move(d, LOWER_LID, dv=-0.022)
        _move(d, UPPER_LID, dv=0.01)
    elif au == "AU10":  # upper lip raiser
        _move(d, [50, 51, 52, 61, 62, 63], dv=-0.035)
        _move(d, [49, 53], dv=-0.02)
        _move(d, [31, 35], dv=-0.015)
    elif au == "AU12":  # lip corner puller: corners out and up
        _outward(d, [48], [54], 0.04)
        _move(d, [48, 54], dv=-0.035)
        _outward(d, [49, 59, 60], [53, 55, 64], 0.018)
        _move(d, [49, 53, 59, 55, 60, 64], dv=-0.015)
    elif au == "AU14":  # dimpler: corners tightened back and slightly out
        _outward(d, [48, 60], [54, 64], 0.025)
        _move(d, [48, 54], dv=-0.006)
    elif au == "AU15":  # lip corner depressor
        _move(d, [48, 54], dv=0.04)
        _move(d, [49, 53, 59, 55, 60, 64], dv=0.018)
    elif au == "AU17":  # chin raiser: lower lip and chin up
        _move(d, LOWER_LIP, dv=-0.025)
        _move(d, [7, 8, 9], dv=-0.025)
        _move(d, [6, 10], dv=-0.012)
    elif au == "AU23":  # lip tightener: narrower, thinner lips
        _outward(d, [48, 60], [54, 64], -0.025)
        _move(d, [50, 51, 52], dv=0.01)
        _move(d, [56, 57, 58], dv=-0.01)
    elif au == "AU24":  # lip pressor
        _move(d, [50, 51, 52, 61, 62, 63], dv=0.018)
        _move(d, [56, 57, 58, 65, 66, 67], dv=-0.018)
    else:
        raise KeyError(f"no landmark model for {au}")
    return d


AUS: tuple[str, ...] = ("AU1", "AU2", "AU4", "AU5", "AU6", "AU7", "AU10", "AU12", "AU14", "AU15", "AU17",
                        "AU23", "AU24")


def blink_displacement(landmarks: np.ndarray) -> np.ndarray:
    """Upper lids down onto the lower lids (image coordinates, pixels): a full blink."""
    d = np.zeros((68, 2))
    for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
        d[upper] = 0.85 * (landmarks[lower] - landmarks[upper])
    return d


def talk_displacement() -> np.ndarray:
    """Jaw drop of speech (IOD units): lower lip and chin down, upper lip barely."""
    d = np.zeros((68, 2))
    _move(d, LOWER_LIP, dv=0.06)
    _move(d, [5, 6, 7, 8, 9, 10, 11], dv=0.05)
    _move(d, [4, 12], dv=0.025)
    _move(d, [48, 54], dv=0.02)
    return d


def me_profile(n_frames: int, rng: np.random.Generator) -> tuple[np.ndarray, int, int, int]:
    """Intensity over the clip (0..1) with one ME event; returns (profile, onset, apex, offset).

    Rise and fall are raised-cosine ramps of 2-6 and 2-6 frames (onset -> offset <= 12 frames).
    The apex is placed anywhere in the clip; ramps that would start before frame 0 or end after the
    last frame are cut by the clip, as a labeller's onset-offset crop would.
    """
    rise = int(rng.integers(2, MAX_RISE_FRAMES + 1))
    fall = int(rng.integers(2, MAX_ME_FRAMES - rise + 1))
    apex = int(rng.integers(0, n_frames))
    t = np.arange(n_frames, dtype=np.float64)
    up = np.clip((t - (apex - rise)) / rise, 0, 1)
    down = np.clip(((apex + fall) - t) / fall, 0, 1)
    profile = np.where(t <= apex, 0.5 - 0.5 * np.cos(np.pi * up), 0.5 - 0.5 * np.cos(np.pi * down))
    return profile, max(apex - rise, 0), apex, min(apex + fall, n_frames - 1)


def blink_profile(n_frames: int, rng: np.random.Generator, rate_per_s: float = 0.3) -> tuple[np.ndarray, int]:
    """Blinks at a child's resting rate (~18/min); each closes and opens over ~4 frames."""
    profile = np.zeros(n_frames)
    n = int(rng.poisson(rate_per_s * n_frames / FPS))
    for start in rng.integers(0, max(n_frames, 1), size=n):
        for k, v in enumerate((0.5, 1.0, 0.6, 0.2)):
            if start + k < n_frames:
                profile[start + k] = max(profile[start + k], v)
    return profile, n


def smooth_noise(n_frames: int, rng: np.random.Generator, scale: float, corr_frames: float = 12.0) -> np.ndarray:
    """A slow random walk (AR(1), exponentially smoothed noise) with standard deviation about ``scale``."""
    from scipy.signal import lfilter

    a = np.exp(-1.0 / corr_frames)
    e = rng.normal(0, scale * np.sqrt(1 - a * a), size=n_frames)
    e[0] = rng.normal(0, scale)
    return lfilter([1.0], [1.0, -a], e)
