"""Long-video spotting speed on this machine: the spotter's frames/s on one core next to plain decoding
of the same videos, and scoring 10,000 intervals next to the slow every-pair reference.

Run: .venv/bin/python benchmarks/bench_spotting.py [RELEASE]   (default: data/spotting/release, made by
`dvc repro spotting_release`; the scoring part runs without it).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np


def timed(fn, *a, **k):
    t0 = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t0


def spotter(release: Path) -> None:
    import cv2

    from cmedbench.spotting.roi import read_grey
    from cmedbench.spotting.signal import central_squares, motion_signal

    cv2.setNumThreads(1)
    paths = sorted((release / "videos").glob("*.mp4"))[:6]
    if not paths:
        print(f"(no videos under {release}: spotter timing skipped)")
        return
    frames, t_read = timed(lambda: [central_squares(read_grey(p)) for p in paths])  # as the pipeline reads them
    n = sum(len(f) for f in frames)

    def decode_only():
        for p in paths:
            cap = cv2.VideoCapture(str(p))
            while cap.read()[0]:
                pass
            cap.release()

    _, t_decode = timed(decode_only)
    _, t_signal = timed(lambda: [motion_signal(f) for f in frames])
    print(f"{len(paths)} videos, {n} frames, one core (cv2 threads 1)")
    print(f"  plain decoding          {n / t_decode:8.0f} frames/s")
    print(f"  decode + face crop      {n / t_read:8.0f} frames/s")
    print(f"  motion signal (2 flows) {n / t_signal:8.0f} frames/s")
    print(f"  spotter end to end      {n / (t_read + t_signal):8.0f} frames/s "
          f"({(t_read + t_signal) / t_decode:.1f}x decoding time)")
    roi_spotter(paths, n, t_decode)


def roi_spotter(paths: list[Path], n: int, t_decode: float) -> None:
    """The ROI spotter the pipeline runs: grey decode, dlib landmarks once a video, the face cut to 24 px
    between the eyes, then one Farneback flow per frame and window k (the pipeline tries k = 3, 4, 5)."""
    from cmedbench.spotting.roi import cut_face, normalise, read_grey, roi_motion

    grey, t_grey = timed(lambda: [read_grey(p) for p in paths])
    faces, t_cut = timed(lambda: [cut_face(g, str(p)) for g, p in zip(grey, paths)])
    _, t_k = timed(lambda: [normalise(roi_motion(f, 3), 3) for f in faces])
    one_k = t_grey + t_cut + t_k
    three_k = t_grey + t_cut + 3 * t_k
    print(f"  roi spotter: grey decode {n / t_grey:6.0f} frames/s; landmarks + face cut {t_cut:.2f} s "
          f"for {len(paths)} videos; ROI flow, one window {n / t_k:6.0f} frames/s")
    print(f"  roi spotter end to end  {n / one_k:8.0f} frames/s with one window ({one_k / t_decode:.1f}x "
          f"decoding time), {n / three_k:.0f} with the pipeline's three ({three_k / t_decode:.1f}x)")


def scoring() -> None:
    from cmedbench.spotting.metrics import score_intervals
    from cmedbench.spotting.reference import reference_matches

    rng = np.random.default_rng(0)

    def side(n, videos=200, frames=5000):
        v = rng.integers(0, videos, n)
        on = rng.integers(0, frames, n)
        return {"video": v, "onset": on, "offset": on + rng.integers(5, 40, n), "fps": np.full(n, 25.0)}

    truth, spots = side(10_000), side(10_000)
    result, t_fast = timed(score_intervals, truth, spots)
    small = 1_000
    t_rows = [tuple(int(truth[k][i]) for k in ("video", "onset", "offset")) for i in range(small)]
    s_rows = [tuple(int(spots[k][i]) for k in ("video", "onset", "offset")) for i in range(small)]
    _, t_slow = timed(reference_matches, t_rows, s_rows)
    print(f"scoring 10,000 spotted vs 10,000 true intervals: {t_fast * 1000:.0f} ms "
          f"(TP {result['overall']['tp']})")
    print(f"  every-pair reference on 1,000 x 1,000: {t_slow:.2f} s; at 10,000 x 10,000 "
          f"(100x the pairs) about {t_slow * 100:.0f} s, {t_slow * 100 / t_fast:.0f}x slower")


def main(release: str = "data/spotting/release") -> None:
    print(f"cores visible: {os.cpu_count()}")
    spotter(Path(release))
    scoring()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
