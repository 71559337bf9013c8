"""Running one extractor over many clips: in parallel, failures recorded with their reason, and a
refusal when too many fail. Artifacts are written to a temp file and renamed."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_bytes, write_text
from ..console import track
from .clips import Clip
from .video import VideoError


class StageError(RuntimeError):
    """A clip the extractor cannot use (its reason goes to the failures file), or a stage over its
    failure-rate threshold."""


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
