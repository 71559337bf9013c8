"""`dvc exp` results as one long table: experiment x baseline x task, with the params that differ."""

from __future__ import annotations

import re

_METRIC = re.compile(r"^results/(?P<baseline>[^/]+)/(?P<task>[^/]+)/metrics\.json:(?P<metric>\w+)$")


_META = {"Experiment", "rev", "typ", "Created", "parent", "State", "Executor"}


def _is_param(key: str) -> bool:
    """exp_show keys: metadata, 'file:metric' metrics, 'path' dependency hashes, and bare params."""
    if key in _META or ":" in key or "/" in key:
        return key.startswith("params.yaml:")  # older DVC prefixes params with their file
    return True


def experiment_rows(exp_rows: list[dict], baseline: str | None = None, task: str | None = None) -> list[dict]:
    """Flatten ``dvc.api.exp_show`` output; params shown are those whose values differ between rows."""
    params = sorted({k for r in exp_rows for k in r if _is_param(k)})
    varying = [p for p in params if len({repr(r.get(p)) for r in exp_rows}) > 1]
    out = []
    for r in exp_rows:
        name = r.get("Experiment") or r.get("rev")
        cells: dict[tuple[str, str], dict] = {}
        for key, value in r.items():
            m = _METRIC.match(key)
            if m and value is not None:
                cells.setdefault((m["baseline"], m["task"]), {})[m["metric"]] = value
        changed = ", ".join(f"{p.removeprefix('params.yaml:')}={_plain(r.get(p))}" for p in varying)
        for (b, t), metrics in sorted(cells.items()):
            if (baseline and b != baseline) or (task and t != task):
                continue
            out.append({"experiment": name, "rev": r.get("rev"), "baseline": b, "task": t, "params": changed,
                        **{k: metrics.get(k) for k in ("uf1", "uar", "accuracy", "uf1_mean_over_folds")}})
    return out


def _plain(v):
    return int(v) if isinstance(v, float) and v.is_integer() else v
