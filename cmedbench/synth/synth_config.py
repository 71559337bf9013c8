"""What a synthetic release or a set of raw recordings is made from: every size and its default, once.

Plain dataclasses (standard library only), so the command line can read its defaults from here
without importing the renderers. ``params.yaml`` holds the pipeline's own choice of these values.
"""

from __future__ import annotations

from dataclasses import dataclass


class SynthConfigError(ValueError):
    """A synthetic request that cannot be met; ``field`` names the config field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SynthConfig:
    """A CMED-shaped release: Table V's subjects and class counts at ``scale``, clips capped in length."""

    subjects: int | None = 12  # Table V subjects, taken in order (None or 74 = all)
    scale: float = 0.036  # fraction of Table V's counts: ~300 clips
    seed: int = 0
    max_emotion_frames: int = 120  # Table IV allows up to 821; capped so the default renders in ~1 minute
    max_no_me_frames: int = 200  # Table IV allows up to 7680
    workers: int = 2  # clips rendered in parallel
    per_class: int | None = None  # clips of every class per subject instead of Table V's shape (balanced)


@dataclass(frozen=True)
class RawConfig:
    """Zoom-style gallery recordings and the three labellers' files."""

    recordings: int = 1
    seconds: float = 60.0  # length of each recording
    grid: int = 2  # 2 -> 2x2 tiles, 3 -> 3x3
    width: int = 1280
    height: int = 720
    seed: int = 0
    events_per_minute: float = 10.0
    share_spans: int = 1
    labeller_a_error: float = 0.08  # stage 1 class differs from the truth
    labeller_b_error: float = 0.15  # stage 2 blind class differs from the truth
    labeller_b_recovery: float = 0.7  # stage 3 picks the truth on a disagreement
    children: int = 3  # children in the gallery (besides the facilitator)
