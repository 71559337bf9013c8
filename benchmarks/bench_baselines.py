"""Training speed of the torch baselines, next to today's loop (inputs rebuilt on the CPU every batch)
run in the same process on the same fold.

Run: .venv/bin/python benchmarks/bench_baselines.py [--device cpu|cuda] [--preset default|paper]
         [--cpu-profile portable|native] [--epochs N] [--task me-spotting] [--fold sub_01] [--compile]
         [BASELINE ...]
Needs the pipeline's data/splits and data/features. For each baseline: training samples/s and the fold's
wall time (fit + predict) of the reference loop and of the current one, the speed-up, and whether the
two predicted the same probabilities bit for bit. With ``--compile`` it instead times training steps of
the eager model and of ``torch.compile``'s: the first step (which compiles) and the median of the next
ones (steady state). On CUDA it also samples GPU busy time through NVML
(the ``gpu`` extra: nvidia-ml-py) every 50 ms during training and reports peak GPU memory.
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np

TORCH_BASELINES = ("vgg16", "dgcnn", "ststnet")


def reference_batches(name: str, est, X):
    """Today's ``_batches``: VGG resizes every batch on the CPU, DGCNN collates graphs every step,
    STSTNet converts every batch from numpy."""
    import torch
    import torch.nn.functional as F

    if name == "vgg16":
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

        def of(idx):
            x = torch.from_numpy(np.ascontiguousarray(X[idx])).permute(0, 3, 1, 2).float() / 255.0
            if x.shape[-1] != est.input_size:
                x = F.interpolate(x, size=(est.input_size,) * 2, mode="bilinear", align_corners=False, antialias=True)
            return ((x - mean) / std,)
        return of
    if name == "dgcnn":
        from torch_geometric.data import Batch

        def of(idx):
            b = Batch.from_data_list([X[i] for i in idx])
            return b.x, b.edge_index, b.batch
        return of

    def of(idx):
        return (torch.from_numpy(np.ascontiguousarray(X[idx], dtype=np.float32)).permute(0, 3, 1, 2),)
    return of


class BusySampler:
    """GPU utilisation (NVML, % of time a kernel ran) sampled in a thread; None without CUDA or NVML."""

    def __init__(self, device: str):
        self.samples: list[int] = []
        self.handle = None
        if device.startswith("cuda"):
            try:
                import pynvml

                pynvml.nvmlInit()
                self.handle = pynvml.nvmlDeviceGetHandleByIndex(0)
                self.pynvml = pynvml
            except Exception as exc:  # noqa: BLE001 - the extra is optional
                print(f"(no GPU busy-time: {exc}; install cmedbench[gpu])")
        self.stop = threading.Event()

    def __enter__(self):
        if self.handle is not None:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        return self

    def _run(self):
        while not self.stop.wait(0.05):
            self.samples.append(self.pynvml.nvmlDeviceGetUtilizationRates(self.handle).gpu)

    def __exit__(self, *exc):
        self.stop.set()

    def busy(self) -> str:
        return f"{np.mean(self.samples):.0f}%" if self.samples else "n/a"


def time_fold(name, est, X, y, tr, te, reference: bool, device: str) -> dict:
    import torch

    if reference:
        est._batches = lambda data: reference_batches(name, est, data)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    take = (lambda rows: [X[i] for i in rows]) if isinstance(X, list) else (lambda rows: X[rows])
    with BusySampler(device) as sampler:
        t0 = time.perf_counter()
        est.fit(take(tr), y[tr])
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        fit_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    probs = est.predict_proba(take(te))
    wall = fit_s + time.perf_counter() - t1
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else None
    return {"probs": probs, "samples_s": len(tr) * est.epochs / fit_s, "wall_s": wall, "busy": sampler.busy(),
            "peak_gib": peak}


def time_compile(est, X, y, steps: int = 12) -> dict:
    """Seconds of the first training step and median seconds of the next ``steps``, eager and compiled."""
    import torch

    from cmedbench.baselines.compiled import compiled

    out = {}
    for mode in ("eager", "compiled"):
        torch.manual_seed(0)
        model = est._build(X)
        feed = est._batches(X)
        forward = compiled(model) if mode == "compiled" else model
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        yt = torch.as_tensor(y, dtype=torch.long)
        order = np.random.default_rng(0).permutation(len(y))
        times = []
        for k in range(steps + 1):
            idx = order[(k * est.batch_size) % len(y):][:est.batch_size]
            idx = idx if len(idx) == est.batch_size else order[:est.batch_size]
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(forward(*feed(idx)), yt[torch.as_tensor(idx)])
            loss.backward()
            opt.step()
            times.append(time.perf_counter() - t0)
        out[mode] = (times[0], float(np.median(times[1:])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("baselines", nargs="*", default=list(TORCH_BASELINES))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--preset", default="default", choices=["default", "paper"])
    ap.add_argument("--cpu-profile", default="portable", choices=["portable", "native"])
    ap.add_argument("--epochs", type=int, default=None, help="instead of the preset's (for a quick look)")
    ap.add_argument("--task", default="me-spotting")
    ap.add_argument("--fold", default="sub_01")
    ap.add_argument("--compile", action="store_true", help="time torch.compile against eager training steps")
    a = ap.parse_args()

    from cmedbench.baselines.determinism import configure_torch, fold_facts, pin_environment
    from cmedbench.baselines.params import resolve
    from cmedbench.baselines.registry import get_baseline
    from cmedbench.baselines.runner import load_features, make_estimator
    from cmedbench.bench.splits import load_benchmark

    pin_environment(a.cpu_profile, a.device)
    configure_torch(a.cpu_profile, a.device, 1 if a.cpu_profile == "portable" else 2)
    facts = fold_facts(a.device)
    print(f"device {a.device}, preset {a.preset}, cpu profile {a.cpu_profile}, ATen {facts['cpu_capability']}, "
          f"{facts['threads']} thread(s), torch {facts['torch']}; task {a.task}, test fold {a.fold}")
    bench = load_benchmark("data/splits", a.task, "loso")
    idx = np.arange(len(bench.sample_ids))
    if a.compile:
        print(f"{'baseline':9} {'first step s':>12} {'compiled first s':>16} {'step ms':>8} {'compiled step ms':>16} "
              f"{'speed-up':>8}")
        for name in a.baselines:
            spec = get_baseline(name)
            X, have = load_features(spec, None, bench.sample_ids)
            tr = idx[(bench.folds != a.fold) & have]
            params = resolve(name, {"preset": a.preset}).params
            est = make_estimator(spec, params, len(bench.task.labels), 0, a.device)
            take = [X[i] for i in tr] if isinstance(X, list) else X[tr]
            r = time_compile(est, take, bench.y_true[tr])
            (e0, e), (c0, c) = r["eager"], r["compiled"]
            print(f"{name:9} {e0:12.2f} {c0:16.1f} {e * 1e3:8.1f} {c * 1e3:16.1f} {e / c:7.2f}x")
        return
    print(f"{'baseline':9} {'loop':9} {'samples/s':>10} {'fold s':>8} {'GPU busy':>8} {'peak GiB':>8} "
          f"{'speed-up':>8}  same probs")
    for name in a.baselines:
        spec = get_baseline(name)
        X, have = load_features(spec, None, bench.sample_ids)
        tr = idx[(bench.folds != a.fold) & have]
        te = idx[(bench.folds == a.fold) & have]
        params = resolve(name, {"preset": a.preset, **({"epochs": a.epochs} if a.epochs else {})}).params
        grid = spec.tunes.grid if spec.tunes is not None else None
        params = {k: v for k, v in params.items() if k != grid}
        n_classes = len(bench.task.labels)
        rows = {}
        for loop in ("today", "current"):
            est = make_estimator(spec, params, n_classes, 0, a.device)
            rows[loop] = time_fold(name, est, X, bench.y_true, tr, te, loop == "today", a.device)
        for loop, r in rows.items():
            peak = f"{r['peak_gib']:.2f}" if r["peak_gib"] is not None else "n/a"
            extra = (f"{r['samples_s'] / rows['today']['samples_s']:7.2f}x  "
                     f"{np.array_equal(r['probs'], rows['today']['probs'])}") if loop == "current" else ""
            print(f"{name:9} {loop:9} {r['samples_s']:10.1f} {r['wall_s']:8.1f} {r['busy']:>8} {peak:>8} {extra}")


if __name__ == "__main__":
    main()
