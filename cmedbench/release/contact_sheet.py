"""A contact sheet of a release: apex frames of a few clips of every class, so a person can look.

It reads the sample table (what validation found), never the release's CSV, and opens only the
frames it shows. Import-light: the CLI reads its defaults at start-up.
"""

from __future__ import annotations

from pathlib import Path

TILE = 150
PER_CLASS = 4  # clips shown per class


def read_frame(path: Path, index: int):
    """Frame ``index`` of a video file or an image sequence, or None when it does not decode."""
    import cv2

    from .frames import FrameSequenceError, clip_frames, is_frame_clip, read_image

    if is_frame_clip(path):
        try:
            frames = clip_frames(path)
            return read_image(frames[index]) if 0 <= index < len(frames) else None
        except FrameSequenceError:
            return None
    cap = cv2.VideoCapture(str(path))
    try:
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = cap.read()
        return frame if ok else None
    finally:
        cap.release()


def contact_sheet(root: Path, table, per_class: int = PER_CLASS, seed: int = 0):
    """BGR image: one row per class present, ``per_class`` apex frames (No-ME: middle frame) per row."""
    import cv2
    import numpy as np

    from .labels import LABELS, NO_ME

    rng = np.random.default_rng(seed)
    rows = []
    for label in LABELS:
        sel = table[table["emotion"] == label]
        if sel.empty:
            continue
        pick = sel.iloc[np.sort(rng.choice(len(sel), size=min(per_class, len(sel)), replace=False))]
        tiles = []
        for r in pick.itertuples():
            idx = int(r.apex_frame) if label != NO_ME else int(r.n_frames) // 2
            frame = read_frame(root / r.path, idx)
            frame = np.zeros((TILE, TILE, 3), np.uint8) if frame is None else cv2.resize(frame, (TILE, TILE))
            cv2.putText(frame, f"{r.subject} f{idx}", (4, TILE - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1,
                        cv2.LINE_AA)
            tiles.append(frame)
        tiles += [np.zeros((TILE, TILE, 3), np.uint8)] * (per_class - len(tiles))
        label_tile = np.full((TILE, 110, 3), 255, np.uint8)
        cv2.putText(label_tile, label, (6, TILE // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
        rows.append(np.hstack([label_tile] + tiles))
    return np.vstack(rows)


def write_contact_sheet(samples: str | Path, release: str | Path, out: str | Path, per_class: int = PER_CLASS,
                        seed: int = 0) -> tuple[int, int]:
    """Draw the contact sheet of the release a sample table describes into the PNG ``out``; (width, height)."""
    import cv2

    from ..atomic import write_bytes
    from .sample_table import read_sample_table, require_videos

    table = require_videos(read_sample_table(samples), samples)
    image = contact_sheet(Path(release), table, per_class, seed)
    ok, buf = cv2.imencode(".png", image)
    write_bytes(out, buf.tobytes())
    return image.shape[1], image.shape[0]
