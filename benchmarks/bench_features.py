"""Feature extraction speed on this machine, next to the plain decode rate of the same clips.

Run: .venv/bin/python benchmarks/bench_features.py [RELEASE]   (default: data/synthetic/release)
One core unless stated. Prints frames/s of every-frame landmarks (detection on every frame, and
tracked), the dlib cost alone, LBP-TOP against the per-pixel reference of the tests (same output),
flow per pair, and the key-frame pass per clip with its projection to a CMED-size release.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np


def timed(fn, *a, **k):
    t0 = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t0


def main(release: str = "data/synthetic/release") -> None:
    import cv2

    from cmedbench.features.flow import flow_features
    from cmedbench.features.landmarks import _fit, detect, landmarks_on_frames
    from cmedbench.features.lbptop import lbp_top
    from cmedbench.features.clips import load_clips
    from cmedbench.features.config import ApexConfig, FlowConfig, LandmarksConfig, LbpTopConfig
    from cmedbench.features.stages import _apex_one, _flow_one, _landmarks_one, _lbptop_one
    from cmedbench.features.video import read_frames
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the tests' per-pixel reference
    from features.test_science import reference_lbp_top

    paths = sorted(Path(release, "FinalFullVideos_subjects").rglob("*.mp4"))[:12]
    if not paths:
        sys.exit(f"no videos under {release}; run `make run` first")
    frames_all, t_decode = timed(lambda: [read_frames(p) for p in paths])
    n = sum(len(f) for f in frames_all)
    decode_fps = n / t_decode
    print(f"{len(paths)} clips, {n} frames of {release}")
    print(f"plain decode:                         {decode_fps:8.0f} frames/s")

    grays = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for fs in frames_all for f in fs]
    t0 = time.perf_counter()
    for g in grays:
        rect, _ = detect(g)
        if rect is not None:
            _fit(g, rect)
    dlib_fps = n / (time.perf_counter() - t0)
    print(f"dlib alone (detect + fit, decoded):   {dlib_fps:8.0f} frames/s ({1000 / dlib_fps:.1f} ms a frame)")
    t0 = time.perf_counter()
    for p in paths:
        landmarks_on_frames(read_frames(p))
    every = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for p in paths:
        landmarks_on_frames(read_frames(p), track=True, redetect_every=10)
    tracked = n / (time.perf_counter() - t0)
    print(f"every-frame landmarks, detect always: {every:8.0f} frames/s ({dlib_fps / every:.2f}x the dlib cost)")
    print(f"every-frame landmarks, tracked:       {tracked:8.0f} frames/s ({tracked / dlib_fps:.2f}x faster than "
          f"dlib alone; decode is {decode_fps / tracked:.0f}x faster still)")

    rng = np.random.default_rng(0)
    key = rng.integers(0, 256, (3, 224, 224)).astype(np.uint8)
    lbp_top(key)
    _, t_key = timed(lbp_top, key)
    clip = rng.integers(0, 256, (164, 224, 224)).astype(np.uint8)
    _, t_clip = timed(lbp_top, clip)
    small = rng.integers(0, 256, (3, 40, 40)).astype(np.uint8)
    ours_small = min(timed(lbp_top, small, 8, 1.0, (2, 2))[1] for _ in range(5))
    ref_out, ref_small = timed(reference_lbp_top, small, 8, 1.0, (2, 2))
    same = np.allclose(lbp_top(small, 8, 1.0, (2, 2)), ref_out, atol=1e-7)
    print(f"LBP-TOP 3 key frames at 224:          {t_key * 1000:8.1f} ms;  a 164-frame clip: {t_clip:.2f} s")
    print(f"LBP-TOP vs per-pixel reference (3x40x40): {ref_small / ours_small:6.0f}x faster, identical: {same}")

    a = cv2.cvtColor(frames_all[0][0], cv2.COLOR_BGR2GRAY)
    b = cv2.cvtColor(frames_all[0][len(frames_all[0]) // 2], cv2.COLOR_BGR2GRAY)
    for size in (112, 224):
        a2, b2 = cv2.resize(a, (size, size)), cv2.resize(b, (size, size))
        for method in ("farneback", "dis", "tvl1"):
            _, t = timed(flow_features, a2, b2, (28, 60, 112), method)
            print(f"flow {method:9s} at {size}:                 {t * 1000:8.1f} ms a pair")

    from dataclasses import replace

    samples = Path("data/index/samples.csv")
    if samples.exists():
        every = load_clips(samples, release)
        clips = every[:40]
        t0 = time.perf_counter()
        for c in clips:
            keys, pts, st, _, _ = _landmarks_one(c, LandmarksConfig())
            c2 = replace(c, marks=(keys, pts, st))
            _lbptop_one(c2, LbpTopConfig())
            _apex_one(c2, ApexConfig())
            _flow_one(c2, FlowConfig())
        per_clip = (time.perf_counter() - t0) / len(clips)
        print(f"key-frame pass (decode, landmarks, LBP-TOP, apex crop, flow): {per_clip * 1000:.0f} ms a clip on "
              f"one core -> {10924 * per_clip / 2 / 60:.1f} min for 10,924 clips on 2 cores "
              f"(these clips average {np.mean([c.n_frames for c in every]):.0f} frames; CMED's average 164)")

if __name__ == "__main__":
    main(*sys.argv[1:])
