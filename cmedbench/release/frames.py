"""Clips stored as image sequences: a frame folder, or a frame list (``*.frames``) naming the images
of one clip in order.

CASME II, SAMM, SMIC and CAS(ME)^3 ship each sample as a folder of numbered images, and the number in
a file name is the frame number the label spreadsheet uses (``img46.jpg``, ``006_05562.jpg``). A
frame list lets a release cut the clip onset..offset out of such a folder without copying a byte:
one image path per line, relative to the list file's own folder, ``#`` lines are comments.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

FRAME_LIST_SUFFIX = ".frames"
FRAME_LIST_HEADER = "# cmedbench frame list v1"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


class FrameSequenceError(ValueError):
    """A frame folder or frame list that cannot serve as a clip (missing, empty, unreadable)."""


def is_frame_clip(path: str | Path) -> bool:
    """True for a frame folder or a frame list: the two clip forms that are not a video file."""
    path = Path(path)
    return path.suffix == FRAME_LIST_SUFFIX or path.is_dir()


def frame_number(name: str) -> int | None:
    """The frame number a file name carries: its last run of digits (``img46.jpg`` -> 46)."""
    match = _LAST_NUMBER.search(Path(name).stem)
    return int(match.group(1)) if match else None


def list_frame_folder(folder: str | Path) -> list[Path]:
    """The images of a frame folder in frame-number order (numbered names first, then by name)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FrameSequenceError(f"{folder}: frame folder not found")
    images = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]

    def order(p: Path) -> tuple:
        n = frame_number(p.name)
        return (n is None, n if n is not None else 0, p.name)

    return sorted(images, key=order)


def numbered_frames(folder: str | Path) -> dict[int, Path]:
    """frame number -> image of a frame folder; two images with one number are an error."""
    out: dict[int, Path] = {}
    for image in list_frame_folder(folder):
        n = frame_number(image.name)
        if n is None:
            continue
        if n in out:
            raise FrameSequenceError(f"{folder}: frames {out[n].name} and {image.name} both carry number {n}")
        out[n] = image
    return out


def write_frame_list(path: str | Path, frames: list[Path]) -> str:
    """The text of a frame list at ``path`` naming ``frames`` (relative to the list's folder)."""
    import os

    base = Path(path).parent
    lines = [FRAME_LIST_HEADER] + [Path(os.path.relpath(f, base)).as_posix() for f in frames]
    return "\n".join(lines) + "\n"


def clip_frames(path: str | Path) -> list[Path]:
    """The ordered images of a frame clip (a frame list or a frame folder)."""
    path = Path(path)
    if path.suffix != FRAME_LIST_SUFFIX:
        frames = list_frame_folder(path)
        if not frames:
            raise FrameSequenceError(f"{path}: frame folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
        return frames
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FrameSequenceError(f"{path}: frame list not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameSequenceError(f"{path}: cannot read frame list ({exc})") from None
    frames = [path.parent / line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not frames:
        raise FrameSequenceError(f"{path}: frame list names no frame")
    return frames


def read_image(path: Path):
    """One BGR image, or FrameSequenceError naming the file."""
    import cv2

    if not path.is_file():
        raise FrameSequenceError(f"frame {path} not found")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FrameSequenceError(f"frame {path} does not decode as an image")
    return image


def frames_digest(frames: list[Path]) -> str:
    """sha256 over the frames' contents in clip order: the frame clip's content hash."""
    from ..atomic import sha256_file

    h = hashlib.sha256(b"cmedbench-frames-v1\n")
    for frame in frames:
        h.update(bytes.fromhex(sha256_file(frame)))
    return h.hexdigest()
