"""How far one fold's predictions drift between x86 machines, emulated on this one, with and without
the ``portable`` CPU profile (`cmedbench.baselines.determinism`).

Run: .venv/bin/python benchmarks/cpu_drift.py [BASELINE] [TASK] [FOLD] [EPOCHS]
     (default: dgcnn me-spotting sub_01, the preset's epochs)
Needs the pipeline's data/splits and data/features. Each "machine" is a fresh process whose
environment caps what the libraries may use, the way a smaller CPU would: ATen's kernels
(ATEN_CPU_CAPABILITY), MKL's (MKL_ENABLE_INSTRUCTIONS), oneDNN's (ONEDNN_MAX_CPU_ISA), and the thread
count a 4-core machine gives each of 2 fold workers. Prints, per profile and machine, a hash of the
fold's probabilities, how many test clips change their predicted class against the first machine, and
the largest probability difference.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MACHINES = {
    "this CPU (AVX-512), 1 thread": ({}, 1),
    "this CPU, 2 threads per fold": ({}, 2),
    "AVX2 CPU, 1 thread": ({"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                           "ONEDNN_MAX_CPU_ISA": "AVX2"}, 1),
    "AVX2 CPU, 2 threads per fold": ({"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                                     "ONEDNN_MAX_CPU_ISA": "AVX2"}, 2),
}


def child(baseline: str, task: str, fold: str, profile: str, cores_threads: int, out: str, epochs: int) -> None:
    """One fold in this process, as the runner runs it; the probabilities go to ``out`` (.npy)."""
    import numpy as np

    from cmedbench.baselines.determinism import pin_environment, threads_per_fold
    from cmedbench.baselines.params import load_section, resolve
    from cmedbench.baselines.registry import get_baseline
    from cmedbench.baselines.runner import RunConfig, load_features, run_fold
    from cmedbench.bench.floors import fold_seed
    from cmedbench.bench.splits import load_benchmark

    cfg = RunConfig(progress=False, cpu_profile=profile, workers=2)
    pin_environment(profile, "cpu")
    threads = 1 if profile == "portable" else cores_threads
    assert threads_per_fold(profile, 2) == 1 or profile == "native"
    b = load_benchmark("data/splits", task, "loso")
    X, have = load_features(get_baseline(baseline), None, b.sample_ids)
    params = resolve(baseline, load_section("params.yaml", baseline)).params
    params = {**params, "epochs": epochs} if epochs else params
    folds = sorted(set(b.folds.tolist()))
    idx = np.arange(len(b.sample_ids))
    res = run_fold(baseline, params, X, b.y_true, have, b.subjects, idx[b.folds != fold], idx[b.folds == fold],
                   len(b.task.labels), cfg, fold_seed(0, folds.index(fold)), threads)
    np.save(out, res["probs"])
    print(json.dumps(res["facts"]))


def main(baseline: str = "dgcnn", task: str = "me-spotting", fold: str = "sub_01", epochs: str = "0") -> None:
    import numpy as np

    shown = f"{epochs} epochs" if int(epochs) else "the preset's epochs"
    print(f"{baseline} {task} fold {fold}, {shown}: one fold per emulated machine, in a fresh process each")
    print(f"{'profile':9} {'machine':32} {'ATen':7} {'sha1 of probs':14} {'flips':>5} {'max |dp|':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for profile in ("native", "portable"):
            ref = None
            for label, (env, threads) in MACHINES.items():
                out = str(Path(tmp) / f"{profile}-{len(label)}-{threads}.npy")
                clean = {k: v for k, v in os.environ.items() if k not in (
                    "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR")}
                env = {**clean, **env, "OMP_WAIT_POLICY": "PASSIVE"}  # idle threads sleep: same sums, no spinning
                done = subprocess.run([sys.executable, __file__, "--child", baseline, task, fold, profile,
                                       str(threads), out, epochs], env=env, capture_output=True, text=True, check=False)
                if done.returncode:
                    sys.exit(done.stderr)
                facts = json.loads(done.stdout.strip().splitlines()[-1])
                p = np.load(out)
                ref = p if ref is None else ref
                flips = int((p.argmax(1) != ref.argmax(1)).sum())
                digest = hashlib.sha1(p.tobytes()).hexdigest()[:12]
                print(f"{profile:9} {label:32} {facts['cpu_capability']:7} {digest:14} {flips:5d} "
                      f"{np.abs(p - ref).max():9.2e}")
    print(f"({len(ref)} test clips in the fold)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        a = sys.argv[2:]
        child(a[0], a[1], a[2], a[3], int(a[4]), a[5], int(a[6]))
    else:
        main(*sys.argv[1:5])
