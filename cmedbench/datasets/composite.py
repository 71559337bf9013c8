"""Releases joined from imported datasets: the MEGC 2019 composite, and cross-dataset unions.

``combine_releases`` reads each member's sample table (the same sample ids: ids hash the emotion,
the dataset-prefixed subject and the clip), keeps the rows a rule set keeps (``maps/megc2019.yaml``)
or all of them, and writes a release whose paths go through ``members/<dataset>`` symlinks. The
benchmark folder of such a release (``cmedbench splits``) holds LOSO over every member's subjects
and ``lodo`` (leave one dataset out); ``score_by_dataset`` adds each dataset's own UF1/UAR to the
composite's, as MEGC 2019 reports them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..atomic import staged_dir, write_text
from ..bench.protocols import dataset_of
from ..release.counts import check_counts
from ..release.fingerprint import dataset_fingerprint
from ..release.report import Problem, Report
from ..release.sample_table import read_sample_table, require_videos, write_sample_table
from .importer import DATASET_NAME, REPORT_NAME, SAMPLES_NAME

RULES = ("megc2019",)
MEMBERS = "members"


class CombineError(ValueError):
    """Member releases that cannot be joined (not imported releases, one dataset twice, unknown rules)."""


@dataclass
class CombineResult:
    report: Report
    out: Path
    samples: Path | None


def load_rules(name: str) -> dict:
    if name not in RULES:
        raise CombineError(f"unknown composite rules {name!r}; known: {', '.join(RULES)}")
    return yaml.safe_load(resources.files("cmedbench.datasets").joinpath("maps", f"{name}.yaml").read_text("utf-8"))


def _member(path: Path) -> tuple[str, pd.DataFrame]:
    info = path / DATASET_NAME
    if not info.is_file():
        raise CombineError(f"{path} is not an imported release (no {DATASET_NAME}; `cmedbench import` writes one)")
    name = json.loads(info.read_text("utf-8"))["dataset"]
    table = require_videos(read_sample_table(path / SAMPLES_NAME), path / SAMPLES_NAME)
    return name, table


def combine_releases(members: list[str | Path], out: str | Path, rules: str | None = None,
                     force: bool = False, counts: bool = True) -> CombineResult:
    """Join imported releases into ``out``; with ``rules`` keep only what the rule set keeps and (with
    ``counts``) check its published counts. Raises CombineError, SampleTableError, atomic.OutputExists."""
    spec = load_rules(rules) if rules else None
    out = Path(out)
    report = Report(release=str(out), profile=rules or "union")
    check = report.add_check("combine", "member releases joined" + (f" by the {rules} rules" if rules else ""))
    tables, names = [], []
    for path in members:
        name, table = _member(Path(path))
        if name in names:
            raise CombineError(f"dataset {name} is given twice")
        if spec is not None and name not in spec["datasets"]:
            raise CombineError(f"{rules} joins {', '.join(spec['datasets'])}; {path} holds {name}")
        names.append(name)
        kept = _select(table, spec["datasets"][name]) if spec else table
        check.counts[name] = {"rows": int(len(table)), "kept": int(len(kept))}
        if spec is not None and counts:
            expected = spec["datasets"][name].get("expected", {})
            expected = {**expected, "source": f"{rules} share of {name}"}
            check_counts(expected, kept, report, f"{rules} / {name}", None, f"profile.{name}")
        kept = kept.assign(path=f"{MEMBERS}/{name}/" + kept["path"].astype(str))
        tables.append((name, Path(path), kept))
    if spec is not None:
        missing = [d for d in spec["datasets"] if d not in names]
        for d in missing:
            report.add(Problem("combine", "error", f"{rules} needs a release of {d}; none was given"))
    table = pd.concat([t for _, _, t in tables], ignore_index=True)
    table.index = pd.RangeIndex(2, 2 + len(table))
    if spec is not None and counts:
        check_counts({**spec.get("expected", {}), "source": rules}, table, report, rules, None)
    report.summary.update(files_hashed=True, members=names, n_samples=int(len(table)), n_subjects=int(table["subject"].nunique()),
                          classes={k: int(v) for k, v in table["emotion"].value_counts().sort_index().items()})
    report.settle()
    with staged_dir(out, force=force) as tmp:
        (tmp / MEMBERS).mkdir()
        for name, path, _ in tables:
            os.symlink(path.resolve(), tmp / MEMBERS / name, target_is_directory=True)
        samples = None
        if report.valid:
            report.summary["fingerprint"] = dataset_fingerprint(table)
            write_sample_table(table, tmp / SAMPLES_NAME)
            samples = out / SAMPLES_NAME
        write_text(tmp / REPORT_NAME, json.dumps(report.to_dict(), indent=2, default=str) + "\n")
        write_text(tmp / "composite.json", json.dumps({"rules": rules, "members": names}, indent=2) + "\n")
    return CombineResult(report, out, samples)


def _select(table: pd.DataFrame, rule: dict) -> pd.DataFrame:
    keep = table["emotion"].isin(rule.get("keep", []))
    out = {(s, c) for s, c in rule.get("exclude", [])}
    excluded = pd.Series([(s, c) in out for s, c in zip(table["subject"], table["filename"])], index=table.index)
    return table[keep & ~excluded]


def score_by_dataset(predictions, splits: str | Path, task: str = "emotion-3", protocol: str = "loso",
                     n_boot: int = 0) -> dict:
    """The composite's pooled UF1/UAR/accuracy and each member dataset's own (the samples of its
    subjects, scored from the same predictions), as MEGC 2019 reports them."""
    from ..bench.evaluator import Evaluator
    from ..bench.metrics import evaluate_folds

    ev = Evaluator(task, protocol, splits, n_boot=max(n_boot, 1))
    sub = ev.parse(predictions)
    b = ev.bench
    composite = evaluate_folds(b.y_true, sub.y_pred, b.folds, b.subjects, b.task.labels, max(n_boot, 1))
    datasets = np.array([dataset_of(s) or "" for s in b.subjects.tolist()], dtype=object)
    per = {}
    for name in sorted(set(datasets.tolist())):
        m = datasets == name
        r = evaluate_folds(b.y_true[m], sub.y_pred[m], b.folds[m], b.subjects[m], b.task.labels, max(n_boot, 1))
        per[name or "(no dataset)"] = {"n_samples": r["n_samples"], **r["pooled"]}
    return {"task": task, "protocol": protocol, "n_samples": composite["n_samples"], "composite": composite["pooled"],
            "datasets": per}
