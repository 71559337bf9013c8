"""Frames per second of the synthetic renderer on this machine, next to plain decoding of its output.

Run: .venv/bin/python benchmarks/bench_synth.py
One core: render a 500-frame clip (frames only; frames + mp4 encode) and decode it back; then a 20 s
2x2 gallery recording. The warp step is also timed (CPU time) against the plain numpy expression it
replaced, which must give the same bytes, frame for frame.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np


def reference_frame(r, au_field, blink, talk, motion, gain, count):
    """The per-frame warp as first written: one numpy expression a step (the bytes the renderer must keep)."""
    import cv2

    from cmedbench.synth.face import SIZE

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


def warp_versus_reference(subject, plan) -> tuple[float, float]:
    """CPU ms a frame of the renderer's warp and of the reference; asserts identical frames."""
    from cmedbench.synth.clip import FrameRenderer, _planes

    r = FrameRenderer(subject, plan.noise_sigma, plan.seed + 1)
    full = r.field(dict(zip(plan.aus, plan.intensities)))
    planes = _planes(full)
    ours, ref = [], []
    t0 = time.process_time()
    for i in range(plan.n_frames):
        ours.append(r.frame(planes, plan.blink[i], plan.talk[i], plan.motion[i], plan.gain[i], plan.profile[i]))
    t_ours = time.process_time() - t0
    t0 = time.process_time()
    for i in range(plan.n_frames):
        ref.append(reference_frame(r, np.float32(plan.profile[i]) * full, plan.blink[i], plan.talk[i],
                                   plan.motion[i], plan.gain[i], i))
    t_ref = time.process_time() - t0
    assert all(np.array_equal(a, b) for a, b in zip(ours, ref)), "the warp no longer gives the reference's bytes"
    return t_ours / plan.n_frames * 1000, t_ref / plan.n_frames * 1000


def main() -> None:
    import cv2

    from cmedbench.synth.face import draw_identity, make_subject
    from cmedbench.synth.raw import RawConfig, synth_raw
    from cmedbench.synth.clip import clip_frames, plan_clip, write_clip

    t0 = time.perf_counter()
    subject = make_subject(draw_identity(np.random.default_rng(0)), 0)
    t_subject = time.perf_counter() - t0
    plan = plan_clip("happiness", 500, 1)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t0 = time.perf_counter()
        for _ in clip_frames(subject, plan):
            pass
        render = 500 / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        write_clip(d / "c.mp4", subject, plan)
        encode = 500 / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        cap = cv2.VideoCapture(str(d / "c.mp4"))
        n = 0
        while cap.read()[0]:
            n += 1
        decode = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        synth_raw(d / "raw", RawConfig(seconds=20, seed=0, children=3))
        raw = 500 / (time.perf_counter() - t0)
    warp_ms, ref_ms = warp_versus_reference(subject, plan)
    print(f"subject set-up (identity warp + 15 motion fields): {t_subject * 1000:.0f} ms")
    print(f"clip 300x300: render {render:6.0f} frames/s, render+encode {encode:6.0f} frames/s, "
          f"plain decode of the result {decode:6.0f} frames/s (render+encode = {encode / decode:.2f}x decode)")
    print(f"warp (field, remap, gain, noise), CPU: {warp_ms:.2f} ms a frame; the plain expression "
          f"{ref_ms:.2f} ms ({ref_ms / warp_ms:.2f}x), identical frames")
    print(f"gallery 1280x720, 2x2, 4 people: {raw:6.1f} frames/s")


if __name__ == "__main__":
    main()
