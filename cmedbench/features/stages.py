"""Feature stages: run an extractor over every clip of the sample table, in parallel, and write one
artifact keyed by ``sample_id`` (``.npz``, or ``.pt`` for graphs) plus a failures file.

A clip that fails (cannot be decoded, no face on any key frame) is written to
``<artifact>.failures.csv`` with its reason and left out of the artifact; the stage itself fails only
when the failure rate passes ``max_failure_rate``. Everything is written to a temp file and renamed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_bytes, write_text
from ..console import track
from .video import VideoError, key_frames, read_frames


class StageError(RuntimeError):
    pass


@dataclass(frozen=True)
class Clip:
    sample_id: str
    path: str  # absolute
    n_frames: int
    apex_frame: object
    marks: tuple | None = None  # (key_frames, points, status) from the landmarks stage, when needed


def with_marks(clips: list[Clip], landmarks: Path) -> list[Clip]:
    """Attach each clip's own landmarks, so a worker receives only what its clips need."""
    from dataclasses import replace

    marks = load_landmarks(landmarks)
    return [replace(c, marks=marks.get(c.sample_id)) for c in clips]


def load_index(index: str | Path, release: str | Path) -> list[Clip]:
    t = pd.read_csv(index, dtype={"sample_id": str})
    root = Path(release)
    return [Clip(r.sample_id, str(root / r.path), int(r.n_frames), None if pd.isna(r.apex_frame) else int(r.apex_frame))
            for r in t.itertuples()]


def run_parallel(fn: Callable, clips: list[Clip], workers: int, desc: str, progress: bool = True,
                 chunk: int = 8) -> list[tuple[str, object | None, str | None]]:
    """[(sample_id, result, failure reason)] in the order of ``clips``."""
    from joblib import Parallel, delayed

    chunks = [clips[i:i + chunk] for i in range(0, len(clips), chunk)]
    jobs = (delayed(_run_chunk)(fn, c) for c in chunks)
    results: dict[str, tuple] = {}
    gen = Parallel(n_jobs=workers, return_as="generator_unordered", backend="loky" if workers > 1 else "sequential")(jobs)
    for part in track(gen, len(clips), desc, progress, size=len):
        for r in part:
            results[r[0]] = r
    return [results[c.sample_id] for c in clips]


def _run_chunk(fn: Callable, clips: list[Clip]) -> list[tuple]:
    out = []
    for clip in clips:
        try:
            out.append((clip.sample_id, fn(clip), None))
        except (VideoError, StageError, ValueError, OSError) as exc:
            out.append((clip.sample_id, None, str(exc)))
    return out


def finish(results: list[tuple], clips: list[Clip], artifact: Path, max_failure_rate: float) -> list[tuple]:
    """Write the failures file; refuse to go on above the failure-rate threshold; return the successes."""
    failed = [(sid, reason) for sid, res, reason in results if reason is not None]
    path_of = {c.sample_id: c.path for c in clips}
    buf = io.StringIO()
    pd.DataFrame(failed, columns=["sample_id", "reason"]).assign(
        path=[path_of[s] for s, _ in failed]).to_csv(buf, index=False, lineterminator="\n")
    write_text(failures_path(artifact), buf.getvalue())
    rate = len(failed) / max(len(results), 1)
    if rate > max_failure_rate:
        raise StageError(f"{len(failed)} of {len(results)} clips failed ({rate:.1%} > max_failure_rate "
                         f"{max_failure_rate:.1%}); see {failures_path(artifact)}")
    return [(sid, res) for sid, res, reason in results if reason is None]


def failures_path(artifact: Path) -> Path:
    artifact = Path(artifact)
    return artifact.with_name(artifact.stem + ".failures.csv")


def save_npz(path: Path, **arrays) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_bytes(path, buf.getvalue())


# ---- landmarks ----------------------------------------------------------------------------------------

def _landmarks_one(clip: Clip, frames_mode: str, upsample: int, seed: int):
    from .landmarks import NO_FACE, landmarks_on_frames

    keys = key_frames(clip.n_frames, clip.apex_frame, clip.sample_id, seed)
    if frames_mode == "all":
        frames = read_frames(clip.path)
        pts_all, st_all = landmarks_on_frames(frames, upsample, track=True)
        keys = tuple(min(k, len(frames) - 1) for k in keys)
        pts, st = pts_all[list(keys)], st_all[list(keys)]
    else:
        got = read_frames(clip.path, list(keys))
        pts, st = landmarks_on_frames([got[k] for k in keys], upsample)
        pts_all = st_all = None
    if (st == NO_FACE).all():
        raise StageError("no face on any key frame")
    return keys, pts, st, pts_all, st_all


def landmarks_stage(clips: list[Clip], out: Path, frames: str = "key", upsample: int = 0, seed: int = 0,
                    workers: int = 2, max_failure_rate: float = 0.05, progress: bool = True) -> dict:
    from functools import partial

    if frames not in ("key", "all"):
        raise ValueError("frames must be 'key' or 'all'")
    results = run_parallel(partial(_landmarks_one, frames_mode=frames, upsample=upsample, seed=seed), clips, workers,
                           f"landmarks ({frames} frames)", progress)
    ok = finish(results, clips, out, max_failure_rate)
    arrays = dict(sample_id=np.array([s for s, _ in ok]), key_frames=np.array([r[0] for _, r in ok], dtype=np.int32),
                  points=np.array([r[1] for _, r in ok], dtype=np.float32).reshape(-1, 3, 68, 2),
                  status=np.array([r[2] for _, r in ok], dtype=np.int8).reshape(-1, 3))
    if frames == "all":
        lengths = np.array([len(r[3]) for _, r in ok])
        arrays.update(all_offsets=np.concatenate([[0], np.cumsum(lengths)]),
                      all_points=np.concatenate([r[3] for _, r in ok]) if ok else np.zeros((0, 68, 2), np.float32),
                      all_status=np.concatenate([r[4] for _, r in ok]) if ok else np.zeros(0, np.int8))
    save_npz(out, **arrays)
    return {"n": len(clips), "ok": len(ok), "status_counts": np.bincount(arrays["status"].ravel(), minlength=4).tolist()}


def load_landmarks(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """sample_id -> (key_frames 3, points 3 x 68 x 2, status 3)."""
    z = np.load(path)
    return {str(s): (k, p, st) for s, k, p, st in zip(z["sample_id"], z["key_frames"], z["points"], z["status"])}


def clip_transform(points: np.ndarray, size: int, align: bool) -> np.ndarray:
    """The clip's one face transform: from the onset landmarks, else the first key frame with a face."""
    from .crop import face_transform

    for p in points:
        if np.isfinite(p).all():
            return face_transform(p, size, align)
    raise StageError("no landmarks to place the face crop")


# ---- LBP-TOP, apex crops, flow -----------------------------------------------------------------------------

def _lbptop_one(clip: Clip, frames_mode: str, size: int, radius: float, points: int, grid, align: bool):
    from .crop import crop
    from .lbptop import lbp_top

    keys, pts, _ = _marks(clip)
    m = clip_transform(pts, size, align)
    if frames_mode == "clip":
        frames = read_frames(clip.path)
    else:
        got = read_frames(clip.path, list(keys))
        frames = [got[k] for k in keys]
    volume = np.stack([crop(f, m, size, gray=True) for f in frames])
    return lbp_top(volume, points, radius, tuple(grid))


def _marks(clip: Clip):
    if clip.marks is None:
        raise StageError("no landmarks (failed in the landmarks stage)")
    return clip.marks


def _apex_one(clip: Clip, size: int, align: bool):
    from .crop import crop

    keys, pts, _ = _marks(clip)
    m = clip_transform(pts, size, align)
    frame = read_frames(clip.path, [int(keys[1])])[int(keys[1])]
    return crop(frame, m, size)[..., ::-1].copy()  # RGB


def _flow_one(clip: Clip, compute_size: int, sizes, method: str, align: bool):
    from .crop import crop
    from .flow import flow_features

    keys, pts, _ = _marks(clip)
    m = clip_transform(pts, compute_size, align)
    got = read_frames(clip.path, [int(keys[0]), int(keys[1])])
    onset, apex = (crop(got[int(k)], m, compute_size, gray=True) for k in keys[:2])
    return flow_features(onset, apex, sizes, method)


def lbptop_stage(clips, landmarks: Path, out: Path, frames: str = "key", size: int = 224, radius: float = 1.0,
                 points: int = 8, grid=(5, 5), align: bool = False, workers: int = 2, max_failure_rate: float = 0.05,
                 progress: bool = True) -> dict:
    from functools import partial

    clips = with_marks(clips, landmarks)
    fn = partial(_lbptop_one, frames_mode=frames, size=size, radius=radius, points=points, grid=grid,
                 align=align)
    ok = finish(run_parallel(fn, clips, workers, f"LBP-TOP ({frames})", progress), clips, out, max_failure_rate)
    save_npz(out, sample_id=np.array([s for s, _ in ok]), X=np.array([r for _, r in ok], dtype=np.float32),
             params=np.array(json.dumps({"frames": frames, "size": size, "radius": radius, "points": points,
                                         "grid": list(grid), "align": align})))
    return {"n": len(clips), "ok": len(ok)}


def apex_stage(clips, landmarks: Path, out: Path, size: int = 224, align: bool = False, workers: int = 2,
               max_failure_rate: float = 0.05, progress: bool = True) -> dict:
    from functools import partial

    clips = with_marks(clips, landmarks)
    ok = finish(run_parallel(partial(_apex_one, size=size, align=align), clips, workers, "apex crops",
                             progress), clips, out, max_failure_rate)
    save_npz(out, sample_id=np.array([s for s, _ in ok]),
             crops=np.array([r for _, r in ok], dtype=np.uint8).reshape(-1, size, size, 3))
    return {"n": len(clips), "ok": len(ok)}


def flow_stage(clips, landmarks: Path, out: Path, method: str = "farneback", compute_size: int = 112,
               sizes=(28, 60, 112), align: bool = False, workers: int = 2, max_failure_rate: float = 0.05,
               progress: bool = True) -> dict:
    from functools import partial

    clips = with_marks(clips, landmarks)
    fn = partial(_flow_one, compute_size=compute_size, sizes=tuple(sizes), method=method, align=align)
    ok = finish(run_parallel(fn, clips, workers, f"optical flow ({method})", progress), clips, out, max_failure_rate)
    # float16 halves the artifact; flow and strain need far less precision than that
    arrays = {f"flow_{s}": np.array([r[s] for _, r in ok], dtype=np.float16).reshape(-1, s, s, 3) for s in sizes}
    save_npz(out, sample_id=np.array([s for s, _ in ok]), **arrays)
    return {"n": len(clips), "ok": len(ok)}


# ---- graphs and deflection (from landmarks alone) --------------------------------------------------------

def graphs_stage(landmarks: Path, out: Path) -> dict:
    import torch

    from .graphs import to_data

    marks = load_landmarks(landmarks)
    graphs, failed = [], []
    for sid, (_, pts, _) in marks.items():
        if not np.isfinite(pts).all():
            failed.append((sid, "a key frame has no landmarks"))
            continue
        graphs.append(to_data(sid, pts))
    buf = io.BytesIO()
    torch.save(graphs, buf)
    write_bytes(out, buf.getvalue())
    write_text(failures_path(out), pd.DataFrame(failed, columns=["sample_id", "reason"]).to_csv(index=False))
    return {"n": len(marks), "ok": len(graphs)}


def load_graphs(path: Path) -> list:
    import torch

    return torch.load(path, weights_only=False)


def deflection_stage(landmarks: Path, index: Path, table_out: Path, plot_out: Path) -> dict:
    from .deflection import deflection_plot, deflection_table

    marks = load_landmarks(landmarks)
    t = pd.read_csv(index, dtype={"sample_id": str}).set_index("sample_id")
    ids = [s for s in marks if s in t.index]
    pts = np.array([marks[s][1] for s in ids]).reshape(-1, 3, 68, 2)
    table = deflection_table(pts, t.loc[ids, "emotion"].to_numpy())
    write_text(table_out, table.to_csv(index=False, float_format="%.6f", lineterminator="\n"))
    plot_out.parent.mkdir(parents=True, exist_ok=True)
    tmp = plot_out.with_name("." + plot_out.name + ".tmp.png")
    deflection_plot(table, tmp)
    tmp.replace(plot_out)
    return {"n": len(ids), "emotions": sorted(set(table["emotion"]))}
