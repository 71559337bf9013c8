"""Zoom-like gallery recordings composed from the real talking-head videos in ../shared/realfaces.

Tiles on a dark background with gaps, a name label in each tile's corner (as Zoom draws), a tile that
shows only the name while its participant is away, and screen-share spans where a white slide fills the
frame (or, with ``share_speaker``, the slide and that participant's video in a strip beside it, as Zoom
records "shared screen with speaker view"). Each source video is played back and forth (no hard cut) to
fill the recording. Returns the truth: who is in which tile when, the share spans, the tile rectangles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REALFACES = Path(__file__).resolve().parents[3] / "shared" / "realfaces" / "videos"
FPS = 25.0


@dataclass
class Person:
    """One participant: the source video, the tile (row, col) and the half-open frame spans present."""

    name: str
    video: str
    tile: tuple[int, int]
    present: list[tuple[int, int]]


@dataclass
class Gallery:
    path: Path
    n_frames: int
    size: tuple[int, int]
    grid: int
    tiles: dict = field(default_factory=dict)  # (row, col) -> (x0, y0, x1, y1)
    people: list = field(default_factory=list)
    shares: list = field(default_factory=list)


def _frames(video: Path, side: int) -> list[np.ndarray]:
    import cv2

    cap = cv2.VideoCapture(str(video))
    out = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        out.append(cv2.resize(f, (side, side), interpolation=cv2.INTER_AREA))
    cap.release()
    return out + out[-2:0:-1]  # forth and back: loops without a cut


def _slide(w: int, h: int) -> np.ndarray:
    import cv2

    img = np.full((h, w, 3), 245, np.uint8)
    cv2.rectangle(img, (0, 0), (w, h // 7), (150, 90, 40), -1)
    for k in range(4):
        cv2.putText(img, f"- point {k + 1} of today's talk", (60, h // 4 + k * h // 8), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    (40, 40, 40), 2)
    return img


def grid_tiles(grid: int, size: tuple[int, int] = (1280, 720), gap: int = 8) -> dict:
    """Tile rectangles (x0, y0, x1, y1) of a ``grid`` x ``grid`` gallery, by (row, col)."""
    w, h = size
    tw, th = (w - (grid + 1) * gap) // grid, (h - (grid + 1) * gap) // grid
    return {(r, c): (gap + c * (tw + gap), gap + r * (th + gap), gap + c * (tw + gap) + tw, gap + r * (th + gap) + th)
            for r in range(grid) for c in range(grid)}


def compose(path: Path, people: list[Person], n_frames: int, shares: list[tuple[int, int]] = (), grid: int = 2,
            size: tuple[int, int] = (1280, 720), reflow: tuple[int, int, dict] | None = None,
            share_speaker: str | None = None) -> Gallery:
    """Write the gallery recording at ``path`` (mp4v, 25 fps) and return its truth. ``reflow`` = (frame,
    grid, {name: tile}): from that frame on, the gallery has the new grid and the people those tiles.
    ``share_speaker``: the person whose video is shown beside the slide during shares."""
    import cv2

    w, h = size
    tiles = grid_tiles(grid, size)
    side = min(tiles[0, 0][2] - tiles[0, 0][0], tiles[0, 0][3] - tiles[0, 0][1])
    clips = {p.name: _frames(REALFACES / p.video, side) for p in people}
    if reflow:
        tiles2 = grid_tiles(reflow[1], size)
        side2 = min(tiles2[0, 0][2] - tiles2[0, 0][0], tiles2[0, 0][3] - tiles2[0, 0][1])
        clips2 = {p.name: _frames(REALFACES / p.video, side2) for p in people}
    slide = _slide(w, h)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (w, h))
    for i in range(n_frames):
        if any(a <= i < b for a, b in shares):
            writer.write(slide if share_speaker is None else _with_speaker(slide, clips[share_speaker][i % len(
                clips[share_speaker])]))
            continue
        after = reflow is not None and i >= reflow[0]
        now_tiles, now_side, now_clips = (tiles2, side2, clips2) if after else (tiles, side, clips)
        frame = np.full((h, w, 3), 12, np.uint8)
        for (r, c), (x0, y0, x1, y1) in now_tiles.items():
            frame[y0:y1, x0:x1] = 35
        for p in people:
            x0, y0, x1, y1 = now_tiles[reflow[2][p.name] if after else p.tile]
            tw, th = x1 - x0, y1 - y0
            if any(a <= i < b for a, b in p.present):
                clip = now_clips[p.name]
                ox, oy = x0 + (tw - now_side) // 2, y0 + (th - now_side) // 2
                frame[oy:oy + now_side, ox:ox + now_side] = clip[i % len(clip)]
            cv2.rectangle(frame, (x0 + 6, y1 - 30), (x0 + 14 + 11 * len(p.name), y1 - 6), (20, 20, 20), -1)
            cv2.putText(frame, p.name, (x0 + 10, y1 - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
        writer.write(frame)
    writer.release()
    return Gallery(path, n_frames, size, grid, tiles, people, list(shares))


def _with_speaker(slide: np.ndarray, face: np.ndarray) -> np.ndarray:
    """The slide beside a strip (1/5 of the width) holding the speaker's video at the top."""
    import cv2

    h, w = slide.shape[:2]
    strip = w // 5
    out = np.full_like(slide, 26)
    out[:, :w - strip] = cv2.resize(slide, (w - strip, h), interpolation=cv2.INTER_AREA)
    side = strip - 16
    out[8:8 + side, w - strip + 8:w - 8] = cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA)
    return out


def two_by_two(path: Path, share_speaker: str | None = None) -> Gallery:
    """16.8 s, 2x2: four real faces; Carol leaves (frames 110-190) and returns; a share at 300-330
    (``share_speaker``: whose video is beside the slide; none: the slide fills the frame)."""
    people = [Person("Alice", "liveportrait_driving_d14.mp4", (0, 0), [(0, 420)]),
              Person("Bob", "liveportrait_driving_d19.mp4", (0, 1), [(0, 420)]),
              Person("Carol", "liveportrait_driving_d6.mp4", (1, 0), [(0, 110), (190, 420)]),
              Person("Dan", "liveportrait_driving_d10.mp4", (1, 1), [(0, 420)])]
    return compose(path, people, 420, shares=[(300, 330)], share_speaker=share_speaker)


def reflowing(path: Path) -> Gallery:
    """12 s: a 2x2 gallery of four real faces that reflows to 3x3 at frame 150 (five join, camera off)."""
    people = [Person("Alice", "liveportrait_driving_d14.mp4", (0, 0), [(0, 300)]),
              Person("Bob", "liveportrait_driving_d19.mp4", (0, 1), [(0, 300)]),
              Person("Carol", "liveportrait_driving_d6.mp4", (1, 0), [(0, 300)]),
              Person("Dan", "liveportrait_driving_d10.mp4", (1, 1), [(0, 300)])]
    new = {"Alice": (0, 1), "Bob": (1, 2), "Carol": (2, 0), "Dan": (1, 1)}
    return compose(path, people, 300, reflow=(150, 3, new))
