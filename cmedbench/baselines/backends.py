"""Folds in parallel: processes on this machine (``local``, ``loky``) or a Dask cluster; a rich progress
bar of folds (and of each fold's epochs, for torch baselines on this machine) on stderr.

``local`` on the CPU forks the fold workers from the stage's process, which has already imported torch
and scikit-learn and loaded the features: a worker starts in ~0.1 s and reads the inherited features,
where a fresh ``loky`` worker spends ~3 s importing the same libraries (measured: docs/baselines.md).
The stage does no torch arithmetic before it forks, so no thread pool is inherited half-alive. CUDA
cannot be forked once initialised, and only Linux is known to fork safely: there ``local`` runs loky.

On CUDA without a scheduler address, the local Dask cluster is dask-cuda's ``LocalCUDACluster``: one
worker per visible GPU, each seeing only its own (``CUDA_VISIBLE_DEVICES``), so folds run one per GPU.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import warnings

BACKENDS = ("local", "loky", "dask")


class BackendUnavailable(RuntimeError):
    """The chosen way of running folds needs a package that is not installed."""


def local_cluster(workers: int, device: str):
    """A Dask cluster on this machine: one single-threaded worker process per fold slot, or per GPU."""
    if device.startswith("cuda"):
        try:
            from dask_cuda import LocalCUDACluster
        except ImportError:
            raise BackendUnavailable("one fold per GPU needs dask-cuda (the gpu extra: pip install "
                                     "'cmedbench[gpu]'), or a Dask scheduler address") from None
        return LocalCUDACluster(threads_per_worker=1, dashboard_address=None)
    from dask.distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def forks(cfg) -> bool:
    """Whether ``local`` forks its workers here (see the module's docstring)."""
    return (cfg.backend == "local" and cfg.workers > 1 and not str(cfg.device).startswith("cuda")
            and sys.platform.startswith("linux"))


def run_folds(jobs: list[tuple], cfg, desc: str, epoch_progress: bool) -> list:
    """Results of ``fn(*args, queue, fold)`` for each (fn, args, fold) in ``jobs``, in order."""
    if cfg.backend not in BACKENDS:
        raise ValueError(f"run backend must be one of {', '.join(BACKENDS)}, got {cfg.backend!r}")
    if forks(cfg):
        return _forked(jobs, cfg, desc, epoch_progress)
    from joblib import Parallel, delayed, parallel_config

    backend = "loky" if cfg.backend == "local" else cfg.backend
    queue, manager = None, None
    if cfg.progress and backend == "loky" and epoch_progress:
        manager = multiprocessing.Manager()
        queue = manager.Queue()
    calls = [delayed(fn)(*args, queue, fold) for fn, args, fold in jobs]
    client = None
    try:
        if cfg.backend == "dask":
            from dask.distributed import Client

            client = Client(cfg.scheduler) if cfg.scheduler else Client(local_cluster(cfg.workers, cfg.device))
        with parallel_config(backend=backend, n_jobs=cfg.workers if cfg.workers > 1 else 1):
            runner = Parallel(return_as="generator")
            return _with_progress(runner(calls), len(calls), queue, desc, cfg.progress)
    finally:
        if client is not None:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
        if manager is not None:
            manager.shutdown()


_FORKED: list = []  # (jobs, queue) of the forked run in progress: the workers inherit it, nothing is pickled


def _call_forked(i: int):
    jobs, queue = _FORKED[0]
    fn, args, fold = jobs[i]
    return fn(*args, queue, fold)


def _forked(jobs: list[tuple], cfg, desc: str, epoch_progress: bool) -> list:
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue() if cfg.progress and epoch_progress else None
    _FORKED[:] = [(jobs, queue)]
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns on any fork from a process with threads (here numpy's BLAS pool, idle);
            # the workers only run torch and numpy code that starts its own threads afresh.
            warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
            with ProcessPoolExecutor(min(cfg.workers, max(len(jobs), 1)), mp_context=ctx) as pool:
                futures = [pool.submit(_call_forked, i) for i in range(len(jobs))]
                return _with_progress((f.result() for f in futures), len(jobs), queue, desc, cfg.progress)
    finally:
        _FORKED.clear()
        if queue is not None:
            queue.close()


def _with_progress(gen, total: int, queue, desc: str, show: bool) -> list:
    if not show:
        return list(gen)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..console import err_console

    out = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console(), transient=True) as bar:
        overall = bar.add_task(desc, total=total)
        stop = threading.Event()
        fold_tasks: dict[str, int] = {}

        def pump():
            while not stop.is_set():
                try:
                    fold, epoch, n = queue.get(timeout=0.2)
                except Exception:  # queue.Empty, or the manager is gone
                    continue
                if fold not in fold_tasks:
                    fold_tasks[fold] = bar.add_task(f"  fold {fold}: epochs", total=n)
                bar.update(fold_tasks[fold], completed=epoch)
                if epoch >= n:
                    bar.remove_task(fold_tasks.pop(fold))

        thread = threading.Thread(target=pump, daemon=True) if queue is not None else None
        if thread:
            thread.start()
        for res in gen:
            out.append(res)
            bar.advance(overall)
        stop.set()
        if thread:
            thread.join(timeout=1)
    return out
