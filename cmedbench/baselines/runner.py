"""The fold runner: train on the training subjects of each fold, predict its test subjects, never look
at the test fold to choose anything.

Model selection is ``fixed-epochs`` (the preset's epoch count, chosen before seeing any fold) or
``inner-validation`` (a fifth of the training subjects held out, seeded; the best epoch count, or the
best SVM C, is then refitted on all training subjects). Folds are independent, so they run in parallel
through joblib (``loky`` by default, ``dask`` to spread them over a Dask cluster). Seeds are fixed per
fold and torch runs deterministically, so a CPU rerun reproduces the predictions exactly.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..bench.metrics import confusion, scores
from ..bench.splits import Benchmark, load_benchmark
from .estimators import ESTIMATORS
from .presets import BASELINES, resolve

SELECTIONS = ("fixed-epochs", "inner-validation")


@dataclass
class RunConfig:
    selection: str = "fixed-epochs"
    seed: int = 0
    device: str = "cpu"
    workers: int = 2
    backend: str = "loky"
    scheduler: str | None = None  # dask scheduler address; None = a LocalCluster
    progress: bool = True


def resolve_device(device: str) -> str:
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_features(baseline: str, path: str | Path | None, ids: np.ndarray):
    """(X aligned with ``ids``, boolean mask of rows that have features)."""
    spec = BASELINES[baseline]
    if spec["feature"] is None:
        return np.zeros((len(ids), 1), np.float32), np.ones(len(ids), bool)
    path = Path(path or spec["feature"])
    if path.suffix == ".pt":
        from ..features.stages import load_graphs

        by_id = {g.sample_id: g for g in load_graphs(path)}
        have = np.array([i in by_id for i in ids])
        template = next(iter(by_id.values()))
        return [by_id.get(i, template) for i in ids], have
    z = np.load(path)
    pos = {str(s): k for k, s in enumerate(z["sample_id"])}
    have = np.array([i in pos for i in ids])
    arr = z[spec["key"]]
    X = np.zeros((len(ids),) + arr.shape[1:], arr.dtype)
    idx = [pos[i] for i in ids[have]]
    X[have] = arr[idx]
    return X, have


def _take(X, idx):
    return [X[i] for i in idx] if isinstance(X, list) else X[idx]


def run_fold(baseline: str, params: dict, X, y: np.ndarray, have: np.ndarray, subjects: np.ndarray,
             train: np.ndarray, test: np.ndarray, n_classes: int, cfg: RunConfig, fold_seed: int,
             threads: int, queue=None, fold_name: str = "") -> dict:
    """Probabilities for the test rows of one fold, from a model fitted on its training rows only."""
    import torch

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    tr = train[have[train]]
    probs = np.zeros((len(test), n_classes))
    if len(tr) == 0 or len(np.unique(y[tr])) == 0:
        probs[:, 0] = 1.0
        return {"probs": probs, "chosen": None}
    kwargs = dict(params, n_classes=n_classes, seed=fold_seed, device=cfg.device)
    kwargs.pop("C_grid", None)
    chosen = None
    if cfg.selection == "inner-validation" and baseline not in ("majority", "stratified"):
        chosen = _inner_select(baseline, params, kwargs, X, y, subjects, tr, fold_seed, n_classes)
        if baseline == "lbptop-svm":
            kwargs["C"] = chosen
    est = ESTIMATORS[baseline](**kwargs)
    if queue is not None and hasattr(est, "trainer"):
        total = chosen if isinstance(chosen, int) else est.epochs
        est.trainer.on_epoch = lambda e: queue.put((fold_name, e + 1, total))
    est.fit(_take(X, tr), y[tr], epochs=chosen if isinstance(chosen, int) else None)
    te_have = test[have[test]]
    majority = int(np.argmax(np.bincount(y[tr], minlength=n_classes)))
    probs[:, majority] = 1.0  # rows without features (failed extraction) fall back to the majority class
    if len(te_have):
        probs[have[test]] = est.predict_proba(_take(X, te_have))
    return {"probs": probs, "chosen": chosen, "n_fallback": int((~have[test]).sum()),
            "pretrained": bool(getattr(est, "pretrained", None))}


def _inner_select(baseline, params, kwargs, X, y, subjects, tr, fold_seed, n_classes):
    """Pick the epoch count (torch) or C (SVM) on held-out training subjects; the test fold is not here."""
    rng = np.random.default_rng(fold_seed)
    subs = np.unique(subjects[tr])
    if len(subs) < 2:
        return None
    val_subs = set(rng.choice(subs, size=max(1, len(subs) // 5), replace=False).tolist())
    is_val = np.array([s in val_subs for s in subjects[tr]])
    inner, val = tr[~is_val], tr[is_val]
    if baseline == "lbptop-svm":
        best, best_c = -1.0, kwargs["C"]
        for c in params.get("C_grid", [kwargs["C"]]):
            est = ESTIMATORS[baseline](**dict(kwargs, C=c)).fit(_take(X, inner), y[inner])
            uf1 = scores(confusion(y[val], est.predict_proba(_take(X, val)).argmax(1), n_classes))["uf1"]
            if uf1 > best:
                best, best_c = uf1, c
        return best_c
    est = ESTIMATORS[baseline](**kwargs)
    est.fit(_take(X, inner), y[inner], val=(_take(X, val), y[val]))
    history = est.trainer.history
    return int(np.nanargmax(history)) + 1 if history else None


def run_baseline(baseline: str, task: str, protocol: str, splits: str | Path, section_params: dict | None,
                 cfg: RunConfig, features: str | Path | None = None) -> dict:
    if cfg.selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {', '.join(SELECTIONS)}")
    bench = load_benchmark(splits, task, protocol)
    preset, params = resolve(baseline, section_params)
    cfg.device = resolve_device(cfg.device)
    X, have = load_features(baseline, features, bench.sample_ids)
    n_classes = len(bench.task.labels)
    fold_names = sorted(set(bench.folds.tolist()))
    threads = max(1, (os.cpu_count() or 1) // max(cfg.workers, 1))
    t0 = time.perf_counter()
    results = _run_folds(baseline, params, X, have, bench, fold_names, n_classes, cfg, threads)
    probs = np.zeros((len(bench.sample_ids), n_classes))
    chosen, n_fallback, pretrained = {}, 0, False
    for name, res in zip(fold_names, results):
        probs[bench.folds == name] = res["probs"]
        chosen[name] = res["chosen"]
        n_fallback += res.get("n_fallback", 0)
        pretrained = pretrained or res.get("pretrained", False)
    return {"bench": bench, "probs": probs, "preset": preset, "params": params, "chosen": chosen,
            "n_fallback": n_fallback, "n_missing_features": int((~have).sum()), "pretrained": pretrained,
            "runtime_s": time.perf_counter() - t0, "device": cfg.device, "threads_per_fold": threads}


def _run_folds(baseline, params, X, have, bench: Benchmark, fold_names, n_classes, cfg: RunConfig, threads):
    from joblib import Parallel, delayed, parallel_config

    idx = np.arange(len(bench.sample_ids))
    queue, manager = None, None
    if cfg.progress and cfg.backend == "loky" and BASELINES[baseline]["section"] not in (None, "svm"):
        import multiprocessing

        manager = multiprocessing.Manager()
        queue = manager.Queue()
    jobs = [delayed(run_fold)(baseline, params, X, bench.y_true, have, bench.subjects, idx[bench.folds != f],
                              idx[bench.folds == f], n_classes, cfg, cfg.seed * 1000 + k, threads, queue, f)
            for k, f in enumerate(fold_names)]
    client = None
    try:
        if cfg.backend == "dask":
            from dask.distributed import Client, LocalCluster

            client = Client(cfg.scheduler) if cfg.scheduler else Client(LocalCluster(
                n_workers=cfg.workers, threads_per_worker=1, processes=True, dashboard_address=None))
        with parallel_config(backend=cfg.backend, n_jobs=cfg.workers if cfg.workers > 1 else 1):
            runner = Parallel(return_as="generator")
            return _with_progress(runner(jobs), len(jobs), queue, f"{baseline}: folds", cfg.progress)
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


def write_results(out_dir: Path, baseline: str, run: dict, cfg: RunConfig) -> dict:
    """predictions.csv, metrics.json (DVC metric), confusion.csv (DVC plot), run.json, submission.json;
    the prediction file is scored by the same parser and evaluator as anyone's."""
    from ..atomic import write_text
    from ..bench.evaluator import Evaluator

    bench: Benchmark = run["bench"]
    labels = bench.task.labels
    pred = run["probs"].argmax(axis=1)
    lines = ["sample_id,prediction,fold," + ",".join(f"score_{lab}" for lab in labels)]
    for sid, p, f, row in zip(bench.sample_ids, pred, bench.folds, run["probs"]):
        probs = np.round(row, 6)
        probs[np.argmax(probs)] += 1.0 - probs.sum()  # exact sum after rounding
        lines.append(f"{sid},{labels[p]},{f}," + ",".join(f"{v:.6f}" for v in probs))
    data = ("\n".join(lines) + "\n").encode()
    ev = Evaluator(bench.task.name, bench.protocol, bench.root)
    result = ev.eval(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text(out_dir / "predictions.csv", data.decode())
    metrics = {"uf1": result["pooled"]["uf1"], "uar": result["pooled"]["uar"], "accuracy": result["pooled"]["accuracy"],
               "uf1_mean_over_folds": result["mean_over_folds"]["uf1"],
               "uar_mean_over_folds": result["mean_over_folds"]["uar"],
               "worst_subject_uar": result["worst_subject"]["uar"], "n_samples": result["n_samples"],
               "n_fallback": run["n_fallback"]}
    write_text(out_dir / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    conf = ["actual,predicted"] + [f"{labels[a]},{labels[b]}" for a, b in zip(bench.y_true, pred)]
    write_text(out_dir / "confusion.csv", "\n".join(conf) + "\n")
    title = BASELINES[baseline]["title"]
    if baseline in ("majority", "stratified"):
        description = ("the training folds' majority class" if baseline == "majority"
                       else "seeded draws from the training folds' class distribution")
    else:
        from .presets import PRESETS

        preset_values = PRESETS[BASELINES[baseline]["section"]][run["preset"]]
        changed = {k: v for k, v in run["params"].items() if preset_values.get(k) != v and k != "pretrained_weights"}
        weights = ""
        if baseline == "vgg16":
            weights = "ImageNet weights; " if run["pretrained"] else "from scratch; "
        description = (f"{weights}preset {run['preset']}" + "".join(f", {k}={v}" for k, v in changed.items())
                       + f"; {cfg.selection}; params in run.json")
    if run["n_fallback"]:
        description += f"; {run['n_fallback']} clips without features got the training majority"
    submission = {
        "model": f"{title} [{run['preset']}]" if run["preset"] != "none" else title,
        "description": description,
        "selection": cfg.selection if baseline not in ("majority", "stratified") else "fixed-epochs",
        "seeds": [cfg.seed], "task": bench.task.name, "protocol": bench.protocol,
        "kind": "floor" if baseline in ("majority", "stratified") else "measured",
    }
    write_text(out_dir / "submission.json", json.dumps(submission, indent=2) + "\n")
    write_text(out_dir / "run.json", json.dumps({
        "baseline": baseline, "preset": run["preset"], "params": run["params"], "selection": cfg.selection,
        "chosen_per_fold": run["chosen"], "runtime_s": round(run["runtime_s"], 2), "device": run["device"],
        "workers": cfg.workers, "backend": cfg.backend, "threads_per_fold": run["threads_per_fold"],
        "pretrained": run["pretrained"]}, indent=2, default=str) + "\n")
    return metrics
