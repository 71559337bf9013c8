"""Shared test fixtures. Each helper is a session-scoped fixture returning a function (the factory
pattern), so tests and fixtures of any scope take it by name: no imports from the tests folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cmedbench.release.layout import write_release


def _make_video(path: Path, n_frames: int = 6, size: tuple[int, int] = (300, 300), fps: float = 25.0,
                fourcc: str = "mp4v", seed: int = 0) -> Path:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    assert writer.isOpened(), f"cannot write {path}"
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(h, w, 3), dtype=np.uint8)
    for i in range(n_frames):
        writer.write(np.roll(base, i * 3, axis=1))
    writer.release()
    return path


def _table(rows: list[tuple[str, str, str, int | None]]) -> pd.DataFrame:
    """Canonical rows (subject, filename, emotion, apex)."""
    return pd.DataFrame({
        "subject": pd.array([r[0] for r in rows], dtype="string"),
        "filename": pd.array([r[1] for r in rows], dtype="string"),
        "emotion": pd.array([r[2] for r in rows], dtype="string"),
        "apex_frame": pd.array([r[3] for r in rows], dtype="Int64"),
    })


_DEFAULT_ROWS = [
    ("sub_01", "a.mp4", "happiness", 2),
    ("sub_01", "b.mp4", "no-me", None),
    ("sub_02", "c.mp4", "anger", 1),
    ("sub_02", "d.mp4", "no-me", None),
    ("sub_03", "e.mp4", "surprise", 3),
]


def _make_release(root: Path, rows=_DEFAULT_ROWS, n_frames: int = 6, flat: bool = True) -> Path:
    """A valid release (both layouts) with one small real video per row."""
    t = _table(rows)
    src = root.parent / f"{root.name}_src"
    videos = [(i, _make_video(src / f"{i}.mp4", n_frames, seed=i)) for i in range(len(t))]
    write_release(root, t, videos, flat=flat)
    return root


def _rewrite_csv(root: Path, text: str | bytes) -> None:
    path = root / "video_emotion_metadata.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


def _tree_hash(root: Path) -> dict[str, tuple[int, bytes]]:
    import hashlib

    return {str(p.relative_to(root)): (p.stat().st_mode, hashlib.sha256(p.read_bytes()).digest())
            for p in sorted(root.rglob("*")) if p.is_file()}


def _read_folds(splits: Path, task: str, protocol: str = "loso"):
    import csv

    with open(splits / "folds" / task / f"{protocol}.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _truth(splits: Path) -> dict[str, str]:
    import csv

    with open(splits / "truth.csv", newline="") as fh:
        return {r["sample_id"]: r["emotion"] for r in csv.DictReader(fh)}


def _make_feature_workspace(root: Path, counts: pd.DataFrame, seed: int = 3, frames: int = 30) -> dict:
    """A rendered release with its benchmark folder and key-frame features, as the pipeline makes them."""
    from cmedbench.bench.splits import write_benchmark_from_samples
    from cmedbench.features.config import FlowConfig, LbpTopConfig, RunConfig
    from cmedbench.features.stages import flow_stage, graphs_stage, landmarks_stage, lbptop_stage
    from cmedbench.release.validate import validate_and_write
    from cmedbench.synth.release import SynthConfig, synth_release

    rel = synth_release(root / "release", SynthConfig(seed=seed, max_emotion_frames=frames, max_no_me_frames=frames),
                        counts=counts, progress=False)
    samples = root / "samples.csv"
    assert validate_and_write(rel, "none", samples=samples).samples_written == samples
    write_benchmark_from_samples(samples, root / "splits")
    feats, run = root / "features", RunConfig(workers=2)
    landmarks_stage(samples, rel, feats / "landmarks.npz", run=run, progress=False)
    lbptop_stage(samples, rel, feats / "landmarks.npz", feats / "lbptop.npz", LbpTopConfig(size=112), run, progress=False)
    flow_stage(samples, rel, feats / "landmarks.npz", feats / "flow.npz", FlowConfig(sizes=(28,)), run, progress=False)
    graphs_stage(feats / "landmarks.npz", feats / "graphs.pt")
    return {"release": rel, "splits": root / "splits", "features": feats}


@pytest.fixture(scope="session")
def make_video():
    """make_video(path, n_frames=6, size=(300, 300), fps=25.0, fourcc="mp4v", seed=0) -> path."""
    return _make_video


@pytest.fixture(scope="session")
def canonical_table():
    """canonical_table(rows) -> the canonical metadata table of (subject, filename, emotion, apex) rows."""
    return _table


@pytest.fixture(scope="session")
def make_release():
    """make_release(root, rows=..., n_frames=6, flat=True) -> root, a valid release with real videos."""
    return _make_release


@pytest.fixture(scope="session")
def rewrite_csv():
    """rewrite_csv(root, text) replaces a release's metadata CSV."""
    return _rewrite_csv


@pytest.fixture(scope="session")
def tree_hash():
    """tree_hash(root) -> {relative path: (mode, sha256)}, to prove a folder was left untouched."""
    return _tree_hash


@pytest.fixture(scope="session")
def make_splits():
    """make_splits(out, subjects=12, scale=0.1, seed=0) -> out, a benchmark folder without videos."""
    from cmedbench.synth.benchmark import metadata_benchmark

    return metadata_benchmark


@pytest.fixture(scope="session")
def read_folds():
    """read_folds(splits, task, protocol="loso") -> the fold map rows."""
    return _read_folds


@pytest.fixture(scope="session")
def truth():
    """truth(splits) -> {sample_id: emotion}."""
    return _truth


@pytest.fixture(scope="session")
def make_feature_workspace():
    """make_feature_workspace(root, counts, seed=3, frames=30) -> {"release", "splits", "features"} paths."""
    return _make_feature_workspace
