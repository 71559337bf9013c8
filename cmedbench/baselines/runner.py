"""The fold runner: train on the training subjects of each fold, predict its test subjects, never look
at the test fold to choose anything.

Model selection is ``fixed-epochs`` (the preset's values, chosen before seeing any fold) or
``inner-validation`` (what the registry says the baseline tunes, chosen on held-out training subjects,
then refitted on all of them). Folds are independent, so they run in parallel through joblib
(`parallel.py`). Seeds are fixed per fold and torch runs deterministically, so a CPU rerun reproduces
the predictions exactly. Nothing here depends on which baseline runs: the registry says it all.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..bench.floors import fold_seed
from ..bench.splits import Benchmark, load_benchmark
from .params import SELECTIONS, ParamsError, Resolved, resolve
from .registry import BaselineSpec, EpochSearch, get_baseline
from .selection import choose, inner_split, take


@dataclass
class RunConfig:
    selection: str = "fixed-epochs"
    seed: int = 0
    device: str = "cpu"
    workers: int = 2
    backend: str = "local"  # backends.BACKENDS
    scheduler: str | None = None  # dask scheduler address; None = a LocalCluster
    progress: bool = True
    cpu_profile: str = "portable"  # determinism.CPU_PROFILES: portable (same bits on any x86-64) or native
    save_models: bool = False  # keep each fold's fitted model (checkpoints.py) for `cmedbench predict`


@dataclass
class BaselineRun:
    """One baseline on one task: per-sample probabilities and the facts of how they were made."""

    name: str
    bench: Benchmark
    probs: np.ndarray
    resolved: Resolved
    chosen: dict  # fold -> the inner-validation choice (None with fixed-epochs)
    n_fallback: int  # test clips without features, given the training majority
    pretrained: bool
    device: str
    threads_per_fold: int
    runtime_s: float
    provenance: dict  # device, library versions, determinism settings (determinism.provenance)
    models: dict | None = None  # fold -> checkpoints.fold_model_payload (only with cfg.save_models)


def resolve_device(device: str) -> str:
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_features(spec: BaselineSpec, path: str | Path | None, ids: np.ndarray):
    """(X aligned with ``ids``, boolean mask of rows that have features)."""
    if spec.features is None:
        return np.zeros((len(ids), 1), np.float32), np.ones(len(ids), bool)
    path = Path(path or spec.features)
    if not path.exists():
        raise FileNotFoundError(f"{spec.name} reads {path}, which does not exist (make it with its feature stage)")
    if path.suffix == ".pt":
        from ..features.stages import load_graphs

        by_id = {g.sample_id: g for g in load_graphs(path)}
        have = np.array([i in by_id for i in ids])
        template = next(iter(by_id.values()))
        return [by_id.get(i, template) for i in ids], have
    from ..features.store import read_arrays

    z = read_arrays(path, [spec.array])
    pos = {str(s): k for k, s in enumerate(z["sample_id"])}
    have = np.array([i in pos for i in ids])
    arr = z[spec.array]
    X = np.zeros((len(ids),) + arr.shape[1:], arr.dtype)
    idx = [pos[i] for i in ids[have]]
    X[have] = arr[idx]
    return X, have


def make_estimator(spec: BaselineSpec, params: dict, n_classes: int, seed: int, device: str, **changes):
    """The spec's estimator with ``params`` (and ``changes``); runtime facts go to those that take them."""
    cls = spec.estimator_class()
    accepted = inspect.signature(cls).parameters
    runtime = {k: v for k, v in (("n_classes", n_classes), ("seed", seed), ("device", device)) if k in accepted}
    return cls(**runtime, **{**params, **changes})


def run_fold(name: str, params: dict, X, y: np.ndarray, have: np.ndarray, subjects: np.ndarray,
             train: np.ndarray, test: np.ndarray, n_classes: int, cfg: RunConfig, seed: int,
             threads: int, queue=None, fold_name: str = "") -> dict:
    """Probabilities for the test rows of one fold, from a model fitted on its training rows only."""
    from .determinism import configure_torch, fold_facts, nondeterministic_ops, pin_environment

    pin_environment(cfg.cpu_profile, cfg.device)  # a worker that has not run torch yet takes it now
    configure_torch(cfg.cpu_profile, cfg.device, threads)
    found: set = set()
    with nondeterministic_ops(found):
        out = _fit_predict(name, params, X, y, have, subjects, train, test, n_classes, cfg, seed, queue, fold_name)
    return {**out, "facts": fold_facts(cfg.device), "nondeterministic": sorted(found)}


def _fit_predict(name, params, X, y, have, subjects, train, test, n_classes, cfg, seed, queue, fold_name) -> dict:
    spec = get_baseline(name)
    tr = train[have[train]]
    probs = np.zeros((len(test), n_classes))
    if len(tr) == 0:
        probs[:, 0] = 1.0
        return {"probs": probs, "chosen": None}
    grid_key = spec.tunes.grid if spec.tunes is not None else None
    est_params = {k: v for k, v in params.items() if k != grid_key}

    def make(**changes):
        return make_estimator(spec, est_params, n_classes, seed, cfg.device, **changes)

    chosen = None
    if cfg.selection == "inner-validation" and spec.tunes is not None:
        split = inner_split(subjects, tr, seed)
        if split is not None:
            chosen = choose(spec.tunes, make, params, X, y, split[0], split[1], n_classes)
    est = make(**({spec.tunes.param: chosen} if chosen is not None else {}))
    fit_args = {}
    if queue is not None and isinstance(spec.tunes, EpochSearch):
        total = est.epochs
        fit_args["on_epoch"] = lambda e: queue.put((fold_name, e + 1, total))
    est.fit(take(X, tr), y[tr], **fit_args)
    te_have = test[have[test]]
    majority = int(np.argmax(np.bincount(y[tr], minlength=n_classes)))
    probs[:, majority] = 1.0  # rows without features (failed extraction) fall back to the majority class
    if len(te_have):
        probs[have[test]] = est.predict_proba(take(X, te_have))
    model = None
    if cfg.save_models:
        from .checkpoints import fold_model_payload

        model = fold_model_payload(est, {**est_params, **({spec.tunes.param: chosen} if chosen is not None else {})},
                                   majority)
    return {"probs": probs, "chosen": chosen, "n_fallback": int((~have[test]).sum()),
            "pretrained": bool(getattr(est, "pretrained_", None)), "model": model}


def run_baseline(name: str, task: str, protocol: str, splits: str | Path, section: dict | None,
                 cfg: RunConfig, features: str | Path | None = None) -> BaselineRun:
    """Every fold of ``task``/``protocol``; ``section`` is the baseline's params.yaml section."""
    from .backends import run_folds
    from .determinism import pin_environment, provenance, threads_per_fold
    from .training import effective_precision

    spec = get_baseline(name)
    pin_environment(cfg.cpu_profile, "cuda" if cfg.device != "cpu" else "cpu")  # before torch loads
    if cfg.selection not in SELECTIONS:
        raise ParamsError([f"selection: {cfg.selection!r} is not one of {', '.join(SELECTIONS)}"])
    resolved = resolve(name, section)  # refuses bad keys before any data is read
    bench = load_benchmark(splits, task, protocol)
    cfg.device = resolve_device(cfg.device)
    X, have = load_features(spec, features, bench.sample_ids)
    n_classes = len(bench.task.labels)
    fold_names = sorted(set(bench.folds.tolist()))
    threads = threads_per_fold(cfg.cpu_profile, cfg.workers) if cfg.device == "cpu" else 1
    idx = np.arange(len(bench.sample_ids))
    jobs = [(run_fold, (name, resolved.params, X, bench.y_true, have, bench.subjects, idx[bench.folds != f],
                        idx[bench.folds == f], n_classes, cfg, fold_seed(cfg.seed, k), threads), f)
            for k, f in enumerate(fold_names)]
    t0 = time.perf_counter()
    results = run_folds(jobs, cfg, f"{name}: folds", epoch_progress=isinstance(spec.tunes, EpochSearch))
    runtime = time.perf_counter() - t0
    probs = np.zeros((len(bench.sample_ids), n_classes))
    chosen, n_fallback, pretrained, facts, nondeterministic, models = {}, 0, False, [], set(), {}
    for fold, res in zip(fold_names, results):
        facts.append(res["facts"])
        nondeterministic.update(res["nondeterministic"])
        probs[bench.folds == fold] = res["probs"]
        chosen[fold] = res["chosen"]
        models[fold] = res.get("model")
        n_fallback += res.get("n_fallback", 0)
        pretrained = pretrained or res.get("pretrained", False)
    precision = effective_precision(resolved.params.get("precision", "fp32"), cfg.device)
    prov = provenance(cfg.device, cfg.cpu_profile, precision, facts, nondeterministic)
    return BaselineRun(name, bench, probs, resolved, chosen, n_fallback, pretrained, cfg.device, threads, runtime,
                       prov, models if cfg.save_models else None)
