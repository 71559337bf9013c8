"""Opening each video once: does it exist, decode, and what does it hold (frames, fps, size, hash).

Fast mode trusts the container header for the frame count and decodes the first frame; deep mode
decodes every frame and reports when the header lies. A clip stored as images (a frame folder or a
frame list, see ``frames.py``) is probed the same way: every frame must exist, the first (fast) or
every one (deep) must decode at one size; its fps is the dataset's, not the files'. Probes run in threads (OpenCV releases the GIL
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

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")  # a folder named like this is a mistake


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
    from .frames import is_frame_clip

    if path.is_dir() and path.suffix.lower() in VIDEO_SUFFIXES:
        return VideoProbe(rel, False, "is a directory, expected a video file")
    if is_frame_clip(path):
        return probe_frames(path, deep, rel)
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


def probe_frames(path: str | Path, deep: bool = False, rel: str | None = None) -> VideoProbe:
    """Probe a frame folder or frame list; never raises for a bad clip, the reason lands in ``error``."""
    from .frames import FrameSequenceError, clip_frames, frames_digest, read_image

    rel = rel or str(path)
    try:
        frames = clip_frames(path)
        missing = [f for f in frames if not f.is_file()]
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            return VideoProbe(rel, False, f"{len(missing)} of {len(frames)} frames missing: {missing[0].name}{more}")
        first = read_image(frames[0])
        height, width = first.shape[:2]
        if deep:
            for frame in frames[1:]:
                if read_image(frame).shape[:2] != (height, width):
                    return VideoProbe(rel, False, f"frame {frame.name} is not {width}x{height} like the first frame")
        size = sum(f.stat().st_size for f in frames)
        return VideoProbe(rel, True, None, len(frames), len(frames), None, width, height, frames_digest(frames), size)
    except FrameSequenceError as exc:
        return VideoProbe(rel, False, str(exc))
    except OSError as exc:
        return VideoProbe(rel, False, f"cannot read: {exc.strerror or exc}")


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
