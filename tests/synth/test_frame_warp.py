"""The renderer's buffered warp must give the bytes of the plain numpy expression it replaced: releases
are seeded and committed (dvc.lock), so a faster renderer may not change a single pixel."""

from __future__ import annotations

import numpy as np
import pytest

from cmedbench.synth.clip import FrameRenderer, _planes, plan_clip
from cmedbench.synth.face import SIZE, draw_identity, make_subject


def plain_frame(r: FrameRenderer, au_field, blink, talk, motion, gain, count):
    """The per-frame warp as first written, one numpy expression a step."""
    import cv2

    f = au_field
    if blink:
        f = f + np.float32(blink) * r.subject.blink_field
    if talk:
        f = f + np.float32(talk) * r.subject.talk_field
    roll, tx, ty, sc = motion
    m = cv2.getRotationMatrix2D((SIZE / 2, SIZE / 2), roll, sc) + np.array([[0, 0, tx], [0, 0, ty]])
    inv = cv2.invertAffineTransform(m).astype(np.float32)
    mx = inv[0, 0] * r.gx + inv[0, 1] * r.gy + inv[0, 2] + f[..., 0]
    my = inv[1, 0] * r.gx + inv[1, 1] * r.gy + inv[1, 2] + f[..., 1]
    out = cv2.remap(r.base, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    out = out * np.float32(255 * gain) + r.noise[count % 4]
    return np.clip(out, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def subject():
    return make_subject(draw_identity(np.random.default_rng(3)), 3)


@pytest.mark.parametrize("emotion, seed", [("happiness", 11), ("surprise", 5), ("no-me", 7)])
def test_clip_frames_equal_the_plain_expression(subject, emotion, seed):
    # talk_prob=1 so that talk, blink, an AU event and the zero-field frames all occur in one clip
    plan = plan_clip(emotion, 90, seed, talk_prob=1.0)
    r = FrameRenderer(subject, plan.noise_sigma, plan.seed + 1)
    full = r.field(dict(zip(plan.aus, plan.intensities)))
    planes = _planes(full) if plan.aus else None
    for i in range(plan.n_frames):
        ours = r.frame(planes, plan.blink[i], plan.talk[i], plan.motion[i], plan.gain[i], plan.profile[i])
        ref = plain_frame(r, np.float32(plan.profile[i]) * full, plan.blink[i], plan.talk[i], plan.motion[i],
                          plan.gain[i], i)
        assert np.array_equal(ours, ref), f"frame {i} of a {emotion} clip differs from the plain expression"


def test_a_full_field_argument_is_still_accepted(subject):
    """synth raw passes a whole SIZE x SIZE x 2 field (intensity 1), as before the planes."""
    r = FrameRenderer(subject, 1.5, 1)
    field = r.field({"AU12": 0.8})
    motion = (1.0, 2.0, -1.0, 1.01)
    ours = r.frame(field, 0.5, 0.0, motion, 1.0)
    assert np.array_equal(ours, plain_frame(r, field, 0.5, 0.0, motion, 1.0, 0))
