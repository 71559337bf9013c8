"""``torch.compile`` as an opt-in of the torch baselines (the preset key ``compile``, off by default).

Compiling fuses kernels (Inductor), so a compiled run's numbers differ in the last bits from the
eager run's: the committed results stay eager. Only training goes through the compiled module; the
fitted model that is predicted with and saved is the plain module (it shares the weights). Where
torch cannot compile (Python versions Dynamo does not support, no C++ compiler for the CPU backend)
the fold stops with ``CompileUnavailable`` instead of silently running eager.
"""

from __future__ import annotations

import shutil


class CompileUnavailable(RuntimeError):
    """torch.compile was asked for but cannot run on this platform."""


def compile_problem() -> str | None:
    """Why torch.compile cannot run here (None when it can)."""
    import torch

    if not hasattr(torch, "compile"):
        return f"torch {torch.__version__} has no torch.compile"
    try:
        import torch._dynamo
    except Exception as exc:  # noqa: BLE001 - any import failure means no compile
        return f"torch._dynamo does not import: {exc}"
    if not torch._dynamo.is_dynamo_supported():
        return "torch.compile does not support this Python version or platform"
    if not any(shutil.which(cc) for cc in ("c++", "g++", "clang++")):
        return "torch.compile's CPU backend needs a C++ compiler (c++, g++ or clang++) on PATH"
    return None


def compiled(model):
    """``torch.compile(model)`` with Inductor in deterministic mode when deterministic algorithms are on."""
    import torch

    problem = compile_problem()
    if problem:
        raise CompileUnavailable(f"compile: true was asked for, but {problem}")
    import torch._inductor.config as inductor_config

    inductor_config.deterministic = torch.are_deterministic_algorithms_enabled()
    return torch.compile(model)
