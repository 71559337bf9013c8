"""Data where the model is: a fold's training inputs, prepared once, either moved to the model's device
once (when they fit its memory budget) or kept in host memory and streamed batch by batch through a
torch DataLoader (pinned memory on CUDA, worker processes, prefetch).

A prepared input is one host tensor whose first axis is the sample, plus ``finish(rows, idx)``: what
turns the device rows of a batch into the model's input tuple (a view, a reshape, a graph's edge list).
Both paths index the same prepared tensor with the same index batches and apply the same ``finish``,
so their batches hold the same numbers and CPU training gives the same predictions either way.

The budget: ``CMEDBENCH_DEVICE_BUDGET_MB`` when set (tests force the streamed path with it); else half
of the free memory on CUDA, and no limit on the CPU (the inputs are in host memory already).
``CMEDBENCH_LOADER_WORKERS`` sets the DataLoader's worker processes (default 2).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

BUDGET_ENV = "CMEDBENCH_DEVICE_BUDGET_MB"
WORKERS_ENV = "CMEDBENCH_LOADER_WORKERS"
CUDA_FREE_SHARE = 0.5  # of the GPU's free memory the inputs may take; the rest is for the model's work
PREFETCH = 4  # batches each loader worker prepares ahead


class BudgetError(ValueError):
    """A memory budget or loader worker count in the environment that is not a number."""


def _env_number(name: str, kind=float):
    text = os.environ.get(name)
    if text in (None, ""):
        return None
    try:
        value = kind(text)
    except ValueError:
        raise BudgetError(f"{name}={text!r} is not a number") from None
    if value < 0:
        raise BudgetError(f"{name}={text!r} must not be negative")
    return value


def device_budget_bytes(device: str) -> float:
    """How many bytes of prepared inputs may live on ``device`` (``inf``: no limit)."""
    mb = _env_number(BUDGET_ENV)
    if mb is not None:
        return mb * 2**20
    if device.startswith("cuda"):
        import torch

        free, _total = torch.cuda.mem_get_info(torch.device(device))
        return free * CUDA_FREE_SHARE
    return float("inf")


def loader_workers() -> int:
    value = _env_number(WORKERS_ENV, int)
    return 2 if value is None else value


@dataclass
class Feed:
    """``batches(index_batches)`` yields the model's input tuple for each index array, in order."""

    data: object  # the prepared tensor: on the device (in memory) or in host memory (streamed)
    finish: Callable  # finish(rows_on_device, idx) -> the model's input tuple
    device: str
    streamed: bool

    def batches(self, index_batches: Iterable) -> Iterator[tuple]:
        import torch

        index_batches = list(index_batches)
        if not self.streamed:
            for idx in index_batches:
                yield self.finish(self.data[torch.as_tensor(idx, device=self.data.device)], idx)
            return
        for idx, rows in zip(index_batches, _loader(self.data, index_batches, self.device)):
            yield self.finish(rows.to(self.device, non_blocking=True), idx)

    def __call__(self, idx) -> tuple:
        """The input tuple of one batch (what the old ``batches_of(idx)`` gave)."""
        return next(self.batches([idx]))


def place(host, finish: Callable, device: str) -> Feed:
    """A Feed over the prepared host tensor: moved to ``device`` once if it fits the budget, else streamed."""
    nbytes = host.element_size() * host.nelement()
    if nbytes <= device_budget_bytes(device):
        return Feed(host.to(device), finish, device, streamed=False)
    return Feed(host, finish, device, streamed=True)


class _Rows:
    """A map-style dataset whose item is a whole batch: ``rows[idx]`` -> host rows ``idx``."""

    def __init__(self, host):
        self.host = host

    def __len__(self) -> int:
        return len(self.host)

    def __getitem__(self, idx):
        import torch

        return self.host[torch.as_tensor(idx)]


def _loader(host, index_batches: list, device: str):
    """A DataLoader yielding host rows of each index batch, in the given order. It gets a generator of its
    own: without one, starting its iterator draws the workers' seed from torch's global generator, which
    would shift the training's dropout masks away from the in-memory path's."""
    import torch
    from torch.utils.data import DataLoader

    workers = loader_workers()
    return DataLoader(_Rows(host), sampler=index_batches, batch_size=None, num_workers=workers,
                      pin_memory=device.startswith("cuda"), prefetch_factor=PREFETCH if workers else None,
                      collate_fn=_identity, generator=torch.Generator().manual_seed(0))


def _identity(rows):
    return rows


def iterate(batches_of, index_batches: list) -> Iterator[tuple]:
    """Input tuples of each index batch, from a Feed or from a plain ``batches_of(idx)`` callable."""
    if isinstance(batches_of, Feed):
        yield from batches_of.batches(index_batches)
    else:
        for idx in index_batches:
            yield batches_of(idx)
