"""Feature stages: run an extractor over every clip of the sample table, in parallel, and write one
artifact keyed by ``sample_id`` plus a failures file: a sharded store folder (bounded memory, rows
re-used on re-runs by content key: the clip's sha256 from the sample table, the stage's parameters,
the computing code and, downstream of landmarks, the clip's landmarks), or one ``.npz`` when the
output is named so (``.pt`` for graphs).

Each stage is one DVC stage: it reads the sample table written by `validate` (and the release's
videos, at the paths that table names) and never validates the release again. A clip that fails
(cannot be decoded, no face on any key frame) is written to ``<artifact>.failures.csv`` with its
reason and left out of the artifact; the stage itself fails only when the failure rate passes
``RunConfig.max_failure_rate``.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_bytes, write_text
from .clips import Clip, load_clips
from .config import ApexConfig, FlowConfig, LandmarksConfig, LbpTopConfig, RunConfig
from .parallel import StageError, failures_path, stream_stage
from .store import clip_key, code_digest, read_arrays
from .video import key_frames, read_frames

__all__ = ["StageError", "failures_path", "load_landmarks", "load_graphs", "landmarks_stage", "lbptop_stage",
           "apex_stage", "flow_stage", "graphs_stage", "deflection_stage"]

# the code each stage's values come from: a change to any of these invalidates re-usable rows
_CODE = {"landmarks": ("features/landmarks.py", "features/video.py", "features/stages.py", "dlib_models.py"),
         "lbptop": ("features/lbptop.py", "features/crop.py", "features/video.py", "features/stages.py"),
         "apex": ("features/crop.py", "features/video.py", "features/stages.py"),
         "flow": ("features/flow.py", "features/crop.py", "features/video.py", "features/stages.py")}


def load_landmarks(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """sample_id -> (key_frames 3, points 3 x 68 x 2, status 3), from a store or a single ``.npz``."""
    z = read_arrays(path, ["key_frames", "points", "status"])
    return {str(s): (k, p, st) for s, k, p, st in zip(z["sample_id"], z["key_frames"], z["points"], z["status"])}


def _keyer(stage: str, samples: Path, config) -> callable:
    """The content key of a clip's row: file hash (sample table), parameters, code, and its landmarks."""
    from ..release.sample_table import read_sample_table

    table = read_sample_table(samples)
    sha = dict(zip(table["sample_id"], table["sha256"]))
    params, code = asdict(config), code_digest(*_CODE[stage])

    def key(clip: Clip) -> str:
        marks = None if clip.marks is None else clip_key(*(np.asarray(m).tolist() for m in clip.marks))
        return clip_key(stage, params, code, sha.get(clip.sample_id), marks)
    return key


# ---- landmarks ----------------------------------------------------------------------------------------

def _landmarks_one(clip: Clip, config: LandmarksConfig):
    from .landmarks import NO_FACE, landmarks_on_frames

    keys = key_frames(clip.n_frames, clip.apex_frame, clip.sample_id, config.seed)
    if config.frames == "all":
        frames = read_frames(clip.path)
        pts_all, st_all = landmarks_on_frames(frames, config.upsample, track=True)
        keys = tuple(min(k, len(frames) - 1) for k in keys)
        pts, st = pts_all[list(keys)], st_all[list(keys)]
    else:
        got = read_frames(clip.path, list(keys))
        pts, st = landmarks_on_frames([got[k] for k in keys], config.upsample)
        pts_all = st_all = None
    if (st == NO_FACE).all():
        raise StageError("no face on any key frame")
    return keys, pts, st, pts_all, st_all


def landmarks_stage(samples: Path, release: Path, out: Path, config: LandmarksConfig = LandmarksConfig(),
                    run: RunConfig = RunConfig(), progress: bool = True) -> dict:
    from .config import LANDMARK_FRAMES

    if config.frames not in LANDMARK_FRAMES:
        raise ValueError(f"landmark frames must be one of {', '.join(LANDMARK_FRAMES)}, got {config.frames!r}")
    clips = load_clips(samples, release)
    dtypes = {"key_frames": "int32", "points": "float32", "status": "int8"}
    shapes = {"key_frames": (3,), "points": (3, 68, 2), "status": (3,)}
    ragged = ()
    if config.frames == "all":
        dtypes.update(all_points="float32", all_status="int8")
        shapes.update(all_points=(68, 2), all_status=())
        ragged = ("all_points", "all_status")

    def to_row(r):
        row = {"key_frames": r[0], "points": r[1], "status": r[2]}
        return {**row, "all_points": r[3], "all_status": r[4]} if ragged else row
    summary = stream_stage(partial(_landmarks_one, config=config), clips, out, run,
                           f"landmarks ({config.frames} frames)", progress, _keyer("landmarks", samples, config),
                           to_row, dtypes, shapes, ragged, "all_offsets" if ragged else None)
    status = read_arrays(out, ["status"])["status"]
    return {**summary, "status_counts": np.bincount(status.ravel(), minlength=4).tolist()}


def clip_transform(points: np.ndarray, size: int, align: bool) -> np.ndarray:
    """The clip's one face transform: from the onset landmarks, else the first key frame with a face."""
    from .crop import face_transform

    for p in points:
        if np.isfinite(p).all():
            return face_transform(p, size, align)
    raise StageError("no landmarks to place the face crop")


# ---- LBP-TOP, apex crops, flow -----------------------------------------------------------------------------

def _marks(clip: Clip):
    if clip.marks is None:
        raise StageError("no landmarks (failed in the landmarks stage)")
    return clip.marks


def _lbptop_one(clip: Clip, config: LbpTopConfig):
    from .crop import crop
    from .lbptop import lbp_top

    keys, pts, _ = _marks(clip)
    m = clip_transform(pts, config.size, config.align)
    if config.frames == "clip":
        frames = read_frames(clip.path)
    else:
        got = read_frames(clip.path, list(keys))
        frames = [got[k] for k in keys]
    volume = np.stack([crop(f, m, config.size, gray=True) for f in frames])
    return lbp_top(volume, config.points, config.radius, tuple(config.grid))


def _apex_one(clip: Clip, config: ApexConfig):
    from .crop import crop

    keys, pts, _ = _marks(clip)
    m = clip_transform(pts, config.size, config.align)
    frame = read_frames(clip.path, [int(keys[1])])[int(keys[1])]
    return crop(frame, m, config.size)[..., ::-1].copy()  # RGB


def _flow_one(clip: Clip, config: FlowConfig):
    from .crop import crop
    from .flow import flow_features

    keys, pts, _ = _marks(clip)
    m = clip_transform(pts, config.compute_size, config.align)
    got = read_frames(clip.path, [int(keys[0]), int(keys[1])])
    onset, apex = (crop(got[int(k)], m, config.compute_size, gray=True) for k in keys[:2])
    return flow_features(onset, apex, tuple(config.sizes), config.method)


def _marked_clips(samples: Path, release: Path, landmarks: Path) -> list[Clip]:
    """The clips, each with its own landmarks, so a worker receives only what its clips need."""
    marks = load_landmarks(landmarks)
    return [replace(c, marks=marks.get(c.sample_id)) for c in load_clips(samples, release)]


def lbptop_stage(samples: Path, release: Path, landmarks: Path, out: Path, config: LbpTopConfig = LbpTopConfig(),
                 run: RunConfig = RunConfig(), progress: bool = True) -> dict:
    clips = _marked_clips(samples, release, landmarks)
    params = {"frames": config.frames, "size": config.size, "radius": config.radius, "points": config.points,
              "grid": list(config.grid), "align": config.align}
    return stream_stage(partial(_lbptop_one, config=config), clips, out, run, f"LBP-TOP ({config.frames})", progress,
                        _keyer("lbptop", samples, config), lambda r: {"X": r}, {"X": "float32"},
                        extras={"params": np.array(json.dumps(params))})


def apex_stage(samples: Path, release: Path, landmarks: Path, out: Path, config: ApexConfig = ApexConfig(),
               run: RunConfig = RunConfig(), progress: bool = True) -> dict:
    clips = _marked_clips(samples, release, landmarks)
    return stream_stage(partial(_apex_one, config=config), clips, out, run, "apex crops", progress,
                        _keyer("apex", samples, config), lambda r: {"crops": r}, {"crops": "uint8"},
                        {"crops": (config.size, config.size, 3)})


def flow_stage(samples: Path, release: Path, landmarks: Path, out: Path, config: FlowConfig = FlowConfig(),
               run: RunConfig = RunConfig(), progress: bool = True) -> dict:
    clips = _marked_clips(samples, release, landmarks)
    # float16 halves the artifact; flow and strain need far less precision than that
    names = {s: f"flow_{s}" for s in config.sizes}
    return stream_stage(partial(_flow_one, config=config), clips, out, run, f"optical flow ({config.method})",
                        progress, _keyer("flow", samples, config), lambda r: {names[s]: r[s] for s in config.sizes},
                        {n: "float16" for n in names.values()}, {names[s]: (s, s, 3) for s in config.sizes})


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


def deflection_stage(landmarks: Path, samples: Path, table_out: Path, plot_out: Path) -> dict:
    from ..release.sample_table import read_sample_table
    from .deflection import deflection_plot, deflection_table

    marks = load_landmarks(landmarks)
    emotion_of = read_sample_table(samples).set_index("sample_id")["emotion"]
    ids = [s for s in marks if s in emotion_of.index]
    pts = np.array([marks[s][1] for s in ids]).reshape(-1, 3, 68, 2)
    table = deflection_table(pts, emotion_of.loc[ids].to_numpy())
    write_text(table_out, table.to_csv(index=False, float_format="%.6f", lineterminator="\n"))
    plot_out.parent.mkdir(parents=True, exist_ok=True)
    tmp = plot_out.with_name("." + plot_out.name + ".tmp.png")
    deflection_plot(table, tmp)
    tmp.replace(plot_out)
    return {"n": len(ids), "emotions": sorted(set(table["emotion"]))}
