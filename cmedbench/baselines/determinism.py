"""The same predictions on any x86-64 machine, and an honest note of where they were made.

Measured (docs/baselines.md, `benchmarks/cpu_drift.py`): with torch's defaults a CPU fold's predictions
depend on the machine through three libraries and one count:

* ATen picks its vectorised kernels by the CPU (``ATEN_CPU_CAPABILITY``: default, avx2, avx512);
* oneDNN (convolutions) JIT-compiles for the widest instruction set it finds;
* MKL (matrix products) dispatches by instruction set too;
* intra-op reductions split work by the thread count, which followed ``os.cpu_count()``.

The ``portable`` CPU profile pins all four: ATen's AVX2 kernels (every x86-64 CPU since 2013-15),
MKL's conditional-numerical-reproducibility branch ``COMPATIBLE`` (the same results on Intel and
compatible CPUs), oneDNN off (torch's own convolutions, whose products then go through MKL), one
thread per fold (folds run in parallel instead). The environment variables must be set before torch
first dispatches a kernel, so the runner pins them in the parent process before torch is imported
and again at the start of every fold (a worker started beforehand keeps what it had; what was really
in effect is read back from torch and recorded). ``native`` keeps torch's defaults (faster on wide CPUs,
machine-dependent).
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager

CPU_PROFILES = ("portable", "native")
PORTABLE_ENV = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "COMPATIBLE"}
CUDA_ENV = {"CUBLAS_WORKSPACE_CONFIG": ":4096:8"}  # cuBLAS needs it for deterministic algorithms
RECORDED_ENV = ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA",
                "CUBLAS_WORKSPACE_CONFIG")
NONDETERMINISTIC_HINT = "does not have a deterministic implementation"


class ProfileError(ValueError):
    """A CPU profile name that is not one of CPU_PROFILES."""


def check_profile(profile: str) -> None:
    if profile not in CPU_PROFILES:
        raise ProfileError(f"cpu profile {profile!r} is not one of {', '.join(CPU_PROFILES)}")


def pin_environment(profile: str, device: str) -> None:
    """Set the profile's variables in ``os.environ`` (for this process and the workers it starts)."""
    check_profile(profile)
    if profile == "portable":
        os.environ.update(PORTABLE_ENV)
    if device.startswith("cuda"):
        os.environ.update(CUDA_ENV)


def threads_per_fold(profile: str, workers: int) -> int:
    """One thread under ``portable`` (reductions then add in one order); else the cores shared out."""
    if profile == "portable":
        return 1
    return max(1, (os.cpu_count() or 1) // max(workers, 1))


def configure_torch(profile: str, device: str, threads: int) -> None:
    """Thread count, oneDNN and deterministic algorithms for one fold (call before any model is built)."""
    import torch

    torch.set_num_threads(threads)
    torch.backends.mkldnn.enabled = profile != "portable"
    deterministic_algorithms_on()
    if device.startswith("cuda"):
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False


def deterministic_algorithms_on() -> None:
    """``torch.use_deterministic_algorithms(True, warn_only=True)`` without its import of Inductor (~2 s per
    fold process on a 2-core machine, for a flag only compiled models read; `compiled.py` sets that flag
    itself). Falls back to the public call where torch lacks the internal setter."""
    import torch

    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if setter is None:
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        setter(True, warn_only=True)


@contextmanager
def nondeterministic_ops(found: set):
    """Collect into ``found`` the ops torch warns have no deterministic implementation on this device."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        text = str(w.message)
        if NONDETERMINISTIC_HINT in text:
            found.add(text.split(" does not have")[0].strip())
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def fold_facts(device: str) -> dict:
    """What one fold's process really ran with (read back from torch, not assumed)."""
    import torch

    facts = {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
             "onednn": bool(torch.backends.mkldnn.enabled), "threads": torch.get_num_threads(),
             "env": {k: os.environ[k] for k in RECORDED_ENV if k in os.environ}}
    if device.startswith("cuda"):
        facts["cuda"] = torch.version.cuda
        facts["gpu"] = torch.cuda.get_device_name(torch.device(device))
        facts["cudnn"] = torch.backends.cudnn.version()
    return facts


def provenance(device: str, profile: str, precision: str, facts: list[dict], nondeterministic: set) -> dict:
    """run.json's ``provenance``: the device and library facts of the folds, the determinism settings,
    and the ops that had no deterministic implementation (their results may vary between reruns)."""
    distinct = [dict(f) for f in {repr(sorted(f.items())): f for f in facts}.values()]
    out = {"device": device, "precision": precision, "cpu_profile": profile if device == "cpu" else None,
           "deterministic_algorithms": True, "nondeterministic_ops": sorted(nondeterministic)}
    if len(distinct) == 1:
        out.update(distinct[0])
    elif distinct:
        out["folds_differ"] = distinct  # e.g. dask workers on different machines
    return out
