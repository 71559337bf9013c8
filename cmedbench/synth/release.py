"""``cmedbench synth release``: a CMED-shaped release rendered from the bundled face, with its truth.

Plan first (pure, seeded: who, which class, how long, which AUs, when), then render every clip in
parallel into a temp folder beside OUT, then write both layouts, ``video_emotion_metadata.csv``, the
ground-truth side-car ``synth_truth.csv`` and ``profile.yaml`` (the counts and frame bounds the
release must satisfy), and rename the folder into place. Same seed, same bytes.

Clip lengths follow the shape of Table IV (CMED paper): emotion clips 4-821 frames with mean ~91,
No-ME clips 9-7680 with mean ~228 (log-normal fits), each capped by a parameter so that the small
default renders quickly.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..action_units import format_aus
from ..atomic import staged_dir, write_text
from ..console import track
from ..release.labels import LABELS, NO_ME
from ..release.layout import write_release
from .synth_config import SynthConfig, SynthConfigError
from .distribution import balanced_counts, expand_counts, profile_for, scaled_counts

# Table IV: (min, max) frames; log-normal (median, sigma) chosen so the uncapped mean is ~91 / ~228.
EMOTION_FRAMES = {"min": 4, "max": 821, "median": 60.0, "sigma": 0.9}
NO_ME_FRAMES = {"min": 9, "max": 7680, "median": 100.0, "sigma": 1.28}
# Columns of video_emotion_metadata.csv beyond CMED's own: the rendered AUs, so the AU task runs on it.
RELEASE_COLUMNS = ("action_units",)


def _seed_of(*parts) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:8], "little") >> 1


def clip_lengths(emotions: np.ndarray, rng: np.random.Generator, max_emotion: int, max_no_me: int) -> np.ndarray:
    n = np.empty(len(emotions), dtype=np.int64)
    for spec, sel, cap in ((EMOTION_FRAMES, emotions != NO_ME, max_emotion), (NO_ME_FRAMES, emotions == NO_ME, max_no_me)):
        draw = rng.lognormal(np.log(spec["median"]), spec["sigma"], size=int(sel.sum()))
        n[sel] = np.clip(np.round(draw), spec["min"], min(spec["max"], cap)).astype(np.int64)
    return n


def plan_release(counts: pd.DataFrame, cfg: SynthConfig) -> pd.DataFrame:
    """One row per clip: canonical metadata plus the seeds and plan that rendering needs."""
    from .clip import plan_clip

    rng = np.random.default_rng(cfg.seed)
    rows = expand_counts(counts, rng)
    rows["n_frames"] = clip_lengths(rows["emotion"].to_numpy(), rng, cfg.max_emotion_frames, cfg.max_no_me_frames)
    rows["clip_seed"] = [_seed_of(cfg.seed, s, f) for s, f in zip(rows["subject"], rows["filename"])]
    plans = [plan_clip(e, int(n), int(sd)) for e, n, sd in zip(rows["emotion"], rows["n_frames"], rows["clip_seed"])]
    rows["apex_frame"] = pd.array([p.apex for p in plans], dtype="Int64")
    rows["onset"] = pd.array([p.onset for p in plans], dtype="Int64")
    rows["offset"] = pd.array([p.offset for p in plans], dtype="Int64")
    rows["aus"] = ["+".join(p.aus) for p in plans]
    rows["action_units"] = [format_aus(p.aus) for p in plans]  # the rendered AUs, canonical (No-ME: "")
    rows["intensities"] = [";".join(f"{x:.4f}" for x in p.intensities) for p in plans]
    for col in ("n_blinks", "talking", "light_change", "jpeg_quality", "noise_sigma", "duplicated", "dropped"):
        rows[col] = [getattr(p, col) for p in plans]
    rows["noise_sigma"] = rows["noise_sigma"].round(4)
    return rows[["subject", "filename", "emotion", "apex_frame", "n_frames", "onset", "offset", "aus", "action_units",
                 "intensities",
                 "n_blinks", "talking", "light_change", "jpeg_quality", "noise_sigma", "duplicated", "dropped",
                 "clip_seed"]]


def identity_seed(seed: int, subject: str) -> int:
    return _seed_of(seed, "identity", subject)


@lru_cache(maxsize=4)
def _subject(seed: int, subject: str):
    from .face import draw_identity, make_subject

    s = identity_seed(seed, subject)
    return make_subject(draw_identity(np.random.default_rng(s)), s)


def _render_chunk(seed: int, subject: str, jobs: list[tuple[str, str, int, int]], folder: str) -> int:
    """Render clips of one subject (emotion, filename, n_frames, clip_seed) into ``folder``."""
    from .clip import plan_clip, write_clip

    subj = _subject(seed, subject)
    for emotion, filename, n_frames, clip_seed in jobs:
        write_clip(Path(folder) / f"{subject}__{filename}", subj, plan_clip(emotion, n_frames, clip_seed))
    return sum(j[2] for j in jobs)


def render_all(plan: pd.DataFrame, seed: int, folder: Path, workers: int, progress: bool = True) -> None:
    from joblib import Parallel, delayed

    chunks = []
    for subject, group in plan.groupby("subject", sort=True):
        jobs = list(zip(group["emotion"], group["filename"], group["n_frames"].astype(int), group["clip_seed"].astype(int)))
        for k in range(0, len(jobs), 8):
            chunks.append((subject, jobs[k:k + 8]))
    total = int(plan["n_frames"].sum())
    tasks = (delayed(_render_chunk)(seed, s, jobs, str(folder)) for s, jobs in chunks)
    results = Parallel(n_jobs=workers, return_as="generator_unordered", backend="loky")(tasks)
    for _ in track(results, total, "rendering frames", progress, size=lambda n: n):
        pass


def frame_bounds(plan: pd.DataFrame) -> dict:
    """Table IV's statistics of this release (what the profile records and validate checks)."""
    out = {}
    n = plan["n_frames"]
    for group, sel in (("emotion", plan["emotion"] != NO_ME), (NO_ME, plan["emotion"] == NO_ME),
                       ("overall", pd.Series(True, index=plan.index))):
        if sel.any():
            out[group] = {"min": int(n[sel].min()), "max": int(n[sel].max()), "avg": round(float(n[sel].mean()), 2)}
    return out


def synth_release(out: Path, cfg: SynthConfig, metadata_only: bool = False, force: bool = False,
                  progress: bool = True, counts: pd.DataFrame | None = None) -> Path:
    """Plan, render and write a release. ``counts`` (subject x class) overrides Table V scaling."""
    if counts is None and cfg.per_class is not None:
        if cfg.per_class < 1:
            raise SynthConfigError("per_class", f"a balanced release needs at least 1 clip per class, not "
                                                f"{cfg.per_class}")
        counts = balanced_counts(cfg.subjects or 74, cfg.per_class)
    if counts is None:
        counts = scaled_counts(cfg.subjects, cfg.scale)
    else:
        counts = counts.reindex(columns=list(LABELS), fill_value=0).astype(int)
    for field, spec, what in (("max_emotion_frames", EMOTION_FRAMES, "emotion"), ("max_no_me_frames", NO_ME_FRAMES,
                                                                                 "No-ME")):
        if getattr(cfg, field) < spec["min"]:
            raise SynthConfigError(field, f"the {what} clip length cap must be at least {spec['min']} frames, the "
                                          f"minimum of Table IV, not {getattr(cfg, field)}")
    with staged_dir(out, force) as tmp:
        plan = plan_release(counts, cfg)
        full = len(counts) == 74 and cfg.scale == 1.0 and counts.to_numpy().sum() == 10924
        name = "cmed-v1-shaped" if full else f"synthetic-{len(counts)}s-x{cfg.scale:g}"
        if cfg.per_class is not None:
            name = f"synthetic-{len(counts)}s-balanced-{cfg.per_class}"
        profile = profile_for(counts, name)
        if metadata_only:
            write_release(tmp, plan, videos=(), flat=False, extra_columns=RELEASE_COLUMNS)
            (tmp / "FinalFullVideos_subjects").mkdir(exist_ok=True)
        else:
            scratch = tmp / ".render"
            scratch.mkdir()
            render_all(plan, cfg.seed, scratch, cfg.workers, progress)
            videos = [(i, scratch / f"{s}__{f}") for i, (s, f) in enumerate(zip(plan["subject"], plan["filename"]))]
            write_release(tmp, plan, videos, flat=True, extra_columns=RELEASE_COLUMNS)
            shutil.rmtree(scratch)
            profile["frames"] = frame_bounds(plan)
            profile["avg_tolerance"] = 0.01
        truth = plan.copy()
        seeds = {s: identity_seed(cfg.seed, s) for s in counts.index}
        identities = _identity_table(seeds)
        truth = truth.merge(identities, on="subject", how="left")
        write_text(tmp / "synth_truth.csv", truth.to_csv(index=False, lineterminator="\n"))
        write_text(tmp / "profile.yaml", yaml.safe_dump(profile, sort_keys=False))
        write_text(tmp / "synth_config.yaml", yaml.safe_dump({**asdict(cfg), "metadata_only": metadata_only},
                                                             sort_keys=False))
    return Path(out)


def _identity_table(seeds: dict[str, int]) -> pd.DataFrame:
    from .face import draw_identity

    rows = []
    for subject, s in seeds.items():
        d = draw_identity(np.random.default_rng(s)).as_dict()
        rows.append({"subject": subject, "identity_seed": s,
                     **{f"id_{k}": (";".join(f"{x:.4f}" for x in v) if isinstance(v, list) else round(v, 4))
                        for k, v in d.items()}})
    return pd.DataFrame(rows)

