"""Frames per second of the synthetic renderer on this machine, next to plain decoding of its output.

Run: .venv/bin/python benchmarks/bench_synth.py
One core: render a 500-frame clip (frames only; frames + mp4 encode) and decode it back; then a 20 s
2x2 gallery recording.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np


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
    print(f"subject set-up (identity warp + 15 motion fields): {t_subject * 1000:.0f} ms")
    print(f"clip 300x300: render {render:6.0f} frames/s, render+encode {encode:6.0f} frames/s, "
          f"plain decode of the result {decode:6.0f} frames/s (render+encode = {encode / decode:.2f}x decode)")
    print(f"gallery 1280x720, 2x2, 4 people: {raw:6.1f} frames/s")


if __name__ == "__main__":
    main()
