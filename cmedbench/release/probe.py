"""Opening each video once: does it exist, decode, and what does it hold (frames, fps, size, hash).

Fast mode trusts the container header for the frame count and decodes the first frame; deep mode
decodes every frame and reports when the header lies. Probes run in threads (OpenCV releases the GIL
while decoding) behind a rich progress bar.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..atomic import sha256_file
from ..console import track



@dataclass(frozen=True)
class VideoProbe:
    path: str
    ok: bool
    error: str | None = None
    n_frames: int | None = None  # decoded count in deep mode, header count otherwise
    header_frames: int | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    sha256: str | None = None
    size_bytes: int | None = None


def probe_video(path: str | Path, deep: bool = False, rel: str | None = None) -> VideoProbe:
    """Probe one file; never raises for a bad file, the reason lands in ``error``."""
    import cv2

    path = Path(path)
    rel = rel or str(path)
    if path.is_dir():
        return VideoProbe(rel, False, "is a directory, expected a video file")
    try:
        digest, size = sha256_file(path), path.stat().st_size
    except FileNotFoundError:
        return VideoProbe(rel, False, "file not found")
    except OSError as exc:
        return VideoProbe(rel, False, f"cannot read: {exc.strerror}")
    if size == 0:
        return VideoProbe(rel, False, "file is empty (0 bytes)", sha256=digest, size_bytes=0)
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            return VideoProbe(rel, False, "cannot be opened as a video (corrupt or truncated container)",
                              sha256=digest, size_bytes=size)
        header = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if not cap.grab():
            return VideoProbe(rel, False, "opens but no frame decodes", None, header, fps, width, height,
                              digest, size)
        n = header
        if deep:
            n = 1
            while cap.grab():
                n += 1
        return VideoProbe(rel, True, None, n, header, fps, width, height, digest, size)
    finally:
        cap.release()


def probe_many(root: Path, rel_paths: Sequence[str], deep: bool = False, workers: int | None = None,
               progress: bool = True) -> dict[str, VideoProbe]:
    """Probe release-relative paths in parallel; result keyed by the same relative path."""
    unique = list(dict.fromkeys(rel_paths))
    workers = workers or min(8, (os.cpu_count() or 1) * 2)
    results: dict[str, VideoProbe] = {}
    if not unique:
        return results

    def one(rel: str) -> VideoProbe:
        return probe_video(root / rel, deep, rel)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        desc = "probing videos" + (" (deep)" if deep else "")
        for probe in track(pool.map(one, unique), len(unique), desc, progress):
            results[probe.path] = probe
    return results
