"""Running one extractor over many clips: in parallel (joblib's loky processes on this machine for both
``local`` and ``loky``, or a Dask cluster), failures recorded with their reason, and a refusal when too many fail.

Results stream in clip order into a sharded store (cmedbench.features.store), so a stage holds one
shard of results in memory, not the whole artifact; rows whose content key matches the store already at
the output are re-used instead of re-computed. An output named ``*.npz`` gets today's single file,
consolidated from the shards at the end."""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from ..atomic import staged_dir, write_text
from ..console import track
from .clips import Clip
from .config import BACKENDS, RunConfig
from .store import ShardReader, ShardWriter, StoreError, is_store, read_arrays, save_npz
from .video import VideoError


class StageError(RuntimeError):
    """A clip the extractor cannot use (its reason goes to the failures file), or a stage over its
    failure-rate threshold."""


def iter_parallel(fn: Callable, clips: list[Clip], run: RunConfig, desc: str, progress: bool = True,
                  chunk: int = 8) -> Iterator[tuple[str, object | None, str | None]]:
    """(sample_id, result, failure reason) in the order of ``clips``, as they finish: joblib keeps only
    a few chunks in flight, so memory stays bounded however many clips there are."""
    from joblib import Parallel, delayed, parallel_config

    chunks = [clips[i:i + chunk] for i in range(0, len(clips), chunk)]
    jobs = (delayed(_run_chunk)(fn, c) for c in chunks)
    with _backend(run) as (backend, n_jobs), parallel_config(backend=backend, n_jobs=n_jobs):
        gen = Parallel(return_as="generator")(jobs)
        for part in track(gen, len(clips), desc, progress, size=len):
            yield from part


@contextlib.contextmanager
def _backend(run: RunConfig) -> Iterator[tuple[str, int]]:
    """The joblib backend and its n_jobs; for dask, a client on ``run.scheduler``, else on dask's
    configured ``scheduler-address`` (e.g. the DASK_SCHEDULER_ADDRESS variable a cluster job exports),
    using every worker that cluster has, else on a local cluster of ``run.workers`` processes."""
    if run.backend in ("local", "loky"):
        yield ("loky", run.workers) if run.workers > 1 else ("sequential", 1)
        return
    if run.backend != "dask":
        raise ValueError(f"run backend must be one of {', '.join(BACKENDS)}, got {run.backend!r}")
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise StageError("the dask backend needs dask[distributed] (pip install 'cmedbench[cluster]')") from None
    import dask

    address = run.scheduler or dask.config.get("scheduler-address", None)
    client = Client(address) if address else Client(LocalCluster(
        n_workers=run.workers, threads_per_worker=1, processes=True, dashboard_address=None))
    try:
        yield "dask", -1 if address else run.workers
    finally:
        cluster = None if address else client.cluster
        client.close()
        if cluster is not None:
            cluster.close()


def _run_chunk(fn: Callable, clips: list[Clip]) -> list[tuple]:
    out = []
    for clip in clips:
        try:
            out.append((clip.sample_id, fn(clip), None))
        except (VideoError, StageError, ValueError, OSError) as exc:
            out.append((clip.sample_id, None, str(exc)))
    return out


def failures_path(artifact: Path) -> Path:
    artifact = Path(artifact)
    return artifact.with_name(artifact.stem + ".failures.csv")


def stream_stage(fn: Callable, clips: list[Clip], out: Path, run: RunConfig, desc: str, progress: bool,
                 key_of: Callable[[Clip], str], to_row: Callable[[object], dict], dtypes: dict[str, str],
                 shapes: dict | None = None, ragged: tuple = (), offsets: str | None = None,
                 extras: dict | None = None) -> dict:
    """Run ``fn`` on the clips whose key the store at ``out`` lacks, stream every row (re-used or new,
    in clip order) into shards, write the failures file, refuse above the failure rate, and write
    ``out``: a store folder, or one ``.npz`` when its name says so. Returns the stage's counts."""
    out = Path(out)
    single = out.suffix == ".npz"
    old = None if single else _previous(out)
    keys = {c.sample_id: key_of(c) for c in clips}
    todo = [c for c in clips if old is None or old.key(c.sample_id) != keys[c.sample_id]]
    failed: list[tuple[str, str]] = []
    with _build(out, single) as folder, contextlib.closing(iter_parallel(fn, todo, run, desc, progress)) as computed:
        writer = ShardWriter(folder, dtypes, ragged, offsets, run.shard_rows, shapes)
        pending = {c.sample_id for c in todo}
        for clip in clips:
            sid = clip.sample_id
            if sid in pending:
                got_sid, result, reason = next(computed)
                assert got_sid == sid, "results arrive in clip order"
                if reason is not None:
                    failed.append((sid, reason))
                    continue
                writer.add(sid, keys[sid], to_row(result))
            else:
                writer.add(sid, keys[sid], old.row(sid))
        writer.close(extras)
        _check_failures(failed, len(clips), clips, out, run.max_failure_rate)
        if single:
            save_npz(out, **read_arrays(folder))
    return {"n": len(clips), "ok": len(clips) - len(failed), "computed": len(todo), "reused": len(clips) - len(todo)}


def _previous(out: Path) -> ShardReader | None:
    """The store an earlier run left at ``out``, when there is a readable one (its rows may be re-used)."""
    if not is_store(out):
        return None
    try:
        return ShardReader(out)
    except (StoreError, OSError, ValueError):
        return None


@contextlib.contextmanager
def _build(out: Path, single: bool) -> Iterator[Path]:
    """A folder to write shards into: the staged store itself, or scratch space for a single file."""
    if not single:
        with staged_dir(out, force=True) as tmp:
            yield tmp
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".shards", dir=out.parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _check_failures(failed: list[tuple[str, str]], n: int, clips: list[Clip], artifact: Path,
                    max_failure_rate: float) -> None:
    path_of = {c.sample_id: c.path for c in clips}
    buf = io.StringIO()
    pd.DataFrame(failed, columns=["sample_id", "reason"]).assign(
        path=[path_of[s] for s, _ in failed]).to_csv(buf, index=False, lineterminator="\n")
    write_text(failures_path(artifact), buf.getvalue())
    rate = len(failed) / max(n, 1)
    if rate > max_failure_rate:
        raise StageError(f"{len(failed)} of {n} clips failed ({rate:.1%} > max_failure_rate "
                         f"{max_failure_rate:.1%}); see {failures_path(artifact)}")
