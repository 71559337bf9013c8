"""Speed of the Algorithm 1 segmenter next to the plain decode rate of the same recording.

Run: .venv/bin/python benchmarks/bench_segment.py [RECORDING | --real]
(default: data/raw/recordings/rec_01.mp4; --real composes the 1280x720 2x2 gallery of real faces from
../shared/realfaces that tests/curation/gallery.py builds, and measures on it). OpenCV is held to one
thread; dlib's models are loaded before the clock starts (a one-time ~1-2 s per process), so the rates
are the segmenter's throughput on one core.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def _real_gallery(folder: Path) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "curation"))
    from gallery import REALFACES, two_by_two

    if not REALFACES.is_dir():
        sys.exit(f"{REALFACES} not found: the real-face gallery needs ../shared/realfaces")
    return str(two_by_two(folder / "real_gallery.mp4").path)


def main(recording: str = "data/raw/recordings/rec_01.mp4") -> None:
    import cv2

    from cmedbench.curation.segment import SegmentConfig, segment_recording
    from cmedbench.dlib_models import dlib_models, face_descriptor_model

    cv2.setNumThreads(1)
    dlib_models(), face_descriptor_model()

    with tempfile.TemporaryDirectory() as scratch:
        if recording == "--real":
            recording = _real_gallery(Path(scratch))
        if not Path(recording).exists():
            sys.exit(f"{recording} not found; run `make run` (or `cmedbench synth raw`) first")
        t0 = time.perf_counter()
        cap = cv2.VideoCapture(recording)
        n = 0
        while cap.read()[0]:
            n += 1
        decode = n / (time.perf_counter() - t0)
        print(f"{recording}: {n} frames; plain decode {decode:.0f} frames/s")
        as_written = SegmentConfig(mode="algorithm1", refine=False, confirm_with_dlib=False, identities=False)
        for name, cfg in (("algorithm1 as written (no refine, no dlib)", as_written),
                          ("default (tiles, refine, dlib confirm, identities, flags)", SegmentConfig())):
            t0 = time.perf_counter()
            segs = segment_recording(recording, cfg).segments
            fps = n / (time.perf_counter() - t0)
            print(f"segmenter, {name}: {fps:.0f} frames/s ({decode / fps:.1f}x the decode time), "
                  f"{len(segs)} segments")


if __name__ == "__main__":
    main(*sys.argv[1:])
