"""The AU detection task: which samples it scores, which action units it keeps, and each sample's truth.

Defined in ``tasks.yaml`` (``kind: multilabel``): the samples of the listed emotions whose
``action_units`` cell is coded (the canonical form of ``cmedbench.action_units``; ``NA`` = not coded,
left out), and every AU present in at least ``min_samples`` of them (DFME keeps the AUs with enough
samples). The truth is a 0/1 matrix, samples x kept AUs. The folds are the classification tasks' own
subject-independent protocols (``protocols.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from ..action_units import ActionUnitError, parse_aus

AU_TASK = "au-detection"


class AUTaskError(ValueError):
    """A sample table the AU task cannot use: a malformed ``action_units`` cell, a bad threshold."""


class NoActionUnits(AUTaskError):
    """The release codes no action units the task can use (no column, nothing coded, no AU kept): the
    task is unavailable on it, which is not an error in the release (CMED codes no AUs)."""


@dataclass(frozen=True)
class AUTask:
    name: str
    description: str
    source: str  # the sample-table column
    emotions: tuple[str, ...]
    min_samples: int


@cache
def au_tasks() -> dict[str, AUTask]:
    import yaml

    data = yaml.safe_load(resources.files("cmedbench.bench").joinpath("tasks.yaml").read_text("utf-8"))
    return {name: AUTask(name, spec.get("description", ""), spec["source"], tuple(spec["emotions"]),
                         int(spec["min_samples"]))
            for name, spec in data.items() if spec.get("kind") == "multilabel"}


def get_au_task(name: str = AU_TASK) -> AUTask:
    from .tasks import UnknownTask

    try:
        return au_tasks()[name]
    except KeyError:
        raise UnknownTask(f"unknown AU task {name!r}; known: {', '.join(au_tasks())}") from None


@dataclass(frozen=True)
class AUTruth:
    """The task's samples (sorted by id), their subjects, the kept AUs and the 0/1 truth matrix."""

    sample_ids: list[str]
    subjects: list[str]
    aus: tuple[int, ...]
    y: np.ndarray  # n_samples x n_aus, int8
    counts: dict[int, int]  # every coded AU -> samples showing it (kept or not)


def au_truth(table, task: AUTask, min_samples: int | None = None, source: str = "the sample table") -> AUTruth:
    """The task's truth from a sample table (pure). ``min_samples`` overrides the task's threshold."""
    threshold = task.min_samples if min_samples is None else int(min_samples)
    if threshold < 1:
        raise AUTaskError(f"the minimum number of samples per AU must be at least 1, not {threshold}")
    if task.source not in table.columns:
        raise NoActionUnits(f"{source} has no {task.source!r} column: the release does not code action units")
    table = table.sort_values("sample_id")
    rows: list[tuple[str, str, frozenset[int]]] = []
    for line, sid, subject, emotion, cell in zip(table.index, table["sample_id"], table["subject"], table["emotion"],
                                                 table[task.source]):
        if str(emotion) not in task.emotions:
            continue
        try:
            aus = parse_aus(cell)
        except ActionUnitError as exc:
            raise AUTaskError(f"{source}, line {line}, column {task.source}: {exc}") from None
        if aus is not None:
            rows.append((str(sid), str(subject), aus))
    counts: dict[int, int] = {}
    for _, _, aus in rows:
        for au in aus:
            counts[au] = counts.get(au, 0) + 1
    kept = tuple(sorted(au for au, n in counts.items() if n >= threshold))
    if not kept:
        raise NoActionUnits(f"{source}: no action unit is coded on at least {threshold} samples of the "
                          f"{task.name} task ({len(rows)} coded samples)")
    y = np.array([[au in aus for au in kept] for _, _, aus in rows], dtype=np.int8).reshape(len(rows), len(kept))
    return AUTruth([r[0] for r in rows], [r[1] for r in rows], kept, y, dict(sorted(counts.items())))


def au_column(au: int) -> str:
    """The submission and truth column of an AU: ``AU12``."""
    return f"AU{au}"
