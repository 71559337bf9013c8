"""Folds in parallel through joblib: ``loky`` processes on this machine, or a Dask cluster; a rich
progress bar of folds (and of each fold's epochs, for torch baselines on loky) on stderr.

On CUDA without a scheduler address, the local Dask cluster is dask-cuda's ``LocalCUDACluster``: one
worker per visible GPU, each seeing only its own (``CUDA_VISIBLE_DEVICES``), so folds run one per GPU.
"""

from __future__ import annotations

import threading


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


def run_folds(jobs: list[tuple], cfg, desc: str, epoch_progress: bool) -> list:
    """Results of ``fn(*args, queue, fold)`` for each (fn, args, fold) in ``jobs``, in order."""
    from joblib import Parallel, delayed, parallel_config

    queue, manager = None, None
    if cfg.progress and cfg.backend == "loky" and epoch_progress:
        import multiprocessing

        manager = multiprocessing.Manager()
        queue = manager.Queue()
    calls = [delayed(fn)(*args, queue, fold) for fn, args, fold in jobs]
    client = None
    try:
        if cfg.backend == "dask":
            from dask.distributed import Client

            client = Client(cfg.scheduler) if cfg.scheduler else Client(local_cluster(cfg.workers, cfg.device))
        with parallel_config(backend=cfg.backend, n_jobs=cfg.workers if cfg.workers > 1 else 1):
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
