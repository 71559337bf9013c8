"""Whole baseline cells as the pipeline runs them (`cmedbench baseline NAME --task TASK`, one process each),
with fold workers forked from the stage (``local``) next to fresh ``loky`` processes, run here one after
the other: the stage's wall time, the fold runtime it records (timing.json's runtime_s) and whether the
two wrote the same predictions. Issue 13's CPU goal compares cells with the runtimes committed when it
was filed (``--reference``, a commit whose results/*/*/run.json carried runtime_s).

Run: .venv/bin/python benchmarks/bench_cells.py [--task emotion-3] [--cpu-profile portable|native]
         [--reference a9c578a] [--repeat 1] [BASELINE ...]
     .venv/bin/python benchmarks/bench_cells.py --gemm   (what the portable profile's MKL branch costs)
Needs the pipeline's data/splits and data/features (`make run` first).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ALL = ("majority", "stratified", "lbptop-svm", "ststnet", "dgcnn", "vgg16")


def cell(name: str, task: str, backend: str, profile: str, out: Path) -> tuple[float, float, bytes]:
    """(stage wall s, runtime_s, predictions.csv bytes) of one cell in a fresh process."""
    cmd = [str(BIN / "cmedbench"), "baseline", name, "--task", task, "--protocol", "loso", "--seed", "0",
           "--device", "cpu", "--workers", "2", "--backend", backend, "--cpu-profile", profile, "--out", str(out)]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    folder = out / name / task
    runtime = json.loads((folder / "timing.json").read_text())["runtime_s"]
    return wall, runtime, (folder / "predictions.csv").read_bytes()


def reference_runtime(commit: str, name: str, task: str) -> float | None:
    try:
        text = subprocess.run(["git", "show", f"{commit}:results/{name}/{task}/run.json"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
    except subprocess.CalledProcessError:
        return None
    return json.loads(text).get("runtime_s")


GEMM = """
import time, torch
torch.set_num_threads(1)
a, b = torch.randn(576, 4096), torch.randn(4096, 64)  # the shape of a small im2col convolution product
for _ in range(3):
    a @ b
t = time.perf_counter()
for _ in range(50):
    a @ b
print(2 * 576 * 4096 * 64 * 50 / (time.perf_counter() - t) / 1e9)
"""


def gemm() -> None:
    """One-thread float32 matrix products under MKL's code branches, each in a fresh process (MKL reads
    MKL_CBWR once): the portable profile's COMPATIBLE branch is the one MKL promises on every x86 CPU."""
    import os

    for branch in ("", "COMPATIBLE", "AVX2"):
        env = {**os.environ, "ATEN_CPU_CAPABILITY": "avx2"}
        env.pop("MKL_CBWR", None)
        if branch:
            env["MKL_CBWR"] = branch
        out = subprocess.run([sys.executable, "-c", GEMM], env=env, check=True, capture_output=True, text=True)
        print(f"MKL_CBWR={branch or '(unset)':<11} {float(out.stdout):6.1f} GFLOP/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("baselines", nargs="*", default=list(ALL))
    ap.add_argument("--task", default="emotion-3")
    ap.add_argument("--cpu-profile", default="portable", choices=("portable", "native"))
    ap.add_argument("--reference", default="a9c578a", help="commit whose run.json runtimes issue 13 measured against")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each cell and backend (medians reported)")
    ap.add_argument("--gemm", action="store_true", help="instead: matrix-product speed under MKL's code branches")
    args = ap.parse_args()
    if args.gemm:
        return gemm()
    print(f"task {args.task}, cpu profile {args.cpu_profile}, 2 fold workers; medians of {args.repeat}")
    print(f"{'baseline':<11} {'loky wall':>9} {'local wall':>10} {'loky fold':>9} {'local fold':>10} "
          f"{'ratio':>6} {'ref fold':>8} {'vs ref':>6}  same predictions")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.baselines:
            runs = {b: [cell(name, args.task, b, args.cpu_profile, Path(tmp) / f"{b}{i}")
                        for i in range(args.repeat)] for b in ("loky", "local")}
            wall = {b: statistics.median(r[0] for r in rs) for b, rs in runs.items()}
            fold = {b: statistics.median(r[1] for r in rs) for b, rs in runs.items()}
            same = len({r[2] for rs in runs.values() for r in rs}) == 1
            ref = reference_runtime(args.reference, name, args.task)
            vs = f"{ref / fold['local']:5.2f}x" if ref else "   -  "
            print(f"{name:<11} {wall['loky']:8.1f}s {wall['local']:9.1f}s {fold['loky']:8.1f}s {fold['local']:9.1f}s "
                  f"{wall['loky'] / wall['local']:5.2f}x {ref or float('nan'):7.1f}s {vs}  {same}", flush=True)


if __name__ == "__main__":
    main()
