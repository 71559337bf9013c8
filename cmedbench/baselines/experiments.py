"""`dvc exp` results as one long table: experiment x baseline x task, with the params that differ.

A baseline key that params.yaml leaves out or sets to null shows the value its preset gives, so
``dvc exp run -S dgcnn.k=10`` is compared with the k the workspace really used. A metrics file that
DVC could not read (``!`` in ``dvc exp show``) is listed by path instead of shown as a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_METRIC = re.compile(r"^(?P<file>results/(?P<baseline>[^/]+)/(?P<task>[^/]+)/metrics\.json):(?P<metric>\w+)$")
_META = {"Experiment", "rev", "typ", "Created", "parent", "State", "Executor"}
METRICS = ("uf1", "uar", "accuracy", "uf1_mean_over_folds")


class ExperimentsError(RuntimeError):
    """DVC could not list the experiments (not a DVC repository, nothing run yet)."""


@dataclass
class Experiments:
    rows: list[dict]
    missing: list[str] = field(default_factory=list)  # "<experiment>: <metrics file>" DVC could not read


def _is_param(key: str) -> bool:
    """exp_show keys: metadata, 'file:metric' metrics, 'path' dependency hashes, and 'section.key' params."""
    if key in _META or ":" in key or "/" in key:
        return key.startswith("params.yaml:")  # older DVC prefixes params with their file
    return "." in key  # a dependency at the top of the repo ("splits") has no section


def _effective(row: dict, key: str):
    """A param's value in one experiment; a baseline key left unset (DVC shows null as "None") is its
    preset's value."""
    value = row.get(key)
    if value not in (None, "None"):
        return value
    from .params import preset_values
    from .registry import BASELINES

    section, _, name = key.removeprefix("params.yaml:").partition(".")
    spec = BASELINES.get(section)
    if spec is None or spec.section is None or name == "preset":
        return value
    preset = row.get(f"params.yaml:{section}.preset", row.get(f"{section}.preset")) or "default"
    if preset not in spec.presets:
        return value
    return preset_values(spec, preset).get(name)


def experiment_rows(exp_rows: list[dict], baseline: str | None = None, task: str | None = None) -> Experiments:
    """Flatten ``dvc.api.exp_show`` output; params shown are those whose values differ between rows."""
    params = sorted({k for r in exp_rows for k in r if _is_param(k)})
    values = [{p: _effective(r, p) for p in params} for r in exp_rows]
    varying = [p for p in params if len({repr(v[p]) for v in values}) > 1]
    out = Experiments([])
    for r, v in zip(exp_rows, values):
        name = r.get("Experiment") or r.get("rev")
        cells: dict[tuple[str, str], dict] = {}
        for key, value in r.items():
            m = _METRIC.match(key)
            if not m or value is None or (baseline and m["baseline"] != baseline) or (task and m["task"] != task):
                continue
            if value == "!":
                note = f"{name}: {m['file']}"
                if note not in out.missing:
                    out.missing.append(note)
                value = None
            cells.setdefault((m["baseline"], m["task"]), {})[m["metric"]] = value
        changed = ", ".join(f"{p.removeprefix('params.yaml:')}={_plain(v[p])}" for p in varying)
        for (b, t), metrics in sorted(cells.items()):
            out.rows.append({"experiment": name, "rev": r.get("rev"), "baseline": b, "task": t, "params": changed,
                             **{k: metrics.get(k) for k in METRICS}})
    return out


def list_experiments(repo: str = ".", num: int = 1, baseline: str | None = None,
                     task: str | None = None) -> Experiments:
    """The experiments of the last ``num`` commits of ``repo``, one row per baseline and task."""
    import dvc.api

    try:
        rows = dvc.api.exp_show(repo=repo, num=num)
    except Exception as exc:  # DVC raises many types for "not a repo / nothing run yet"
        raise ExperimentsError(f"dvc exp show failed: {exc}") from None
    return experiment_rows(rows, baseline, task)


def _plain(v):
    return int(v) if isinstance(v, float) and v.is_integer() else v
