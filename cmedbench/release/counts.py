"""Published counts of an imported dataset (total, subjects, classes) checked against its sample table.

A dataset's counts (total, n_subjects, classes, three_class = emotion-3 labels) live with its label map (``cmedbench/datasets/maps/<name>.yaml``, key ``profile``)
and name their source. A count the source cannot confirm is listed under ``advisory``: a mismatch
there is a warning, never an error. The CMED release has its own, richer profile (``profiles.py``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .report import Problem, Report

CHECK = "profile.counts"


def check_counts(profile: dict[str, Any], table: pd.DataFrame, report: Report, name: str, file: str | None,
                 check_name: str = CHECK) -> None:
    """Add a check (``profile.counts`` unless named) comparing ``table`` with ``profile``; one Problem per
    mismatch."""
    if not profile:
        return
    check = report.add_check(check_name, f"published counts of {name} ({profile.get('source', 'no source given')})")
    advisory = set(profile.get("advisory") or [])
    rows = []

    def compare(key: str, what: str, expected: int, found: int) -> None:
        rows.append({"count": what, "expected": int(expected), "found": int(found)})
        if int(expected) != int(found):
            severity = "warning" if key in advisory else "error"
            note = " (advisory: the source does not confirm this count)" if key in advisory else ""
            report.add(Problem(check_name, severity, f"{what}: {name} publishes {expected}, found {found}{note}", file))

    if "total" in profile:
        compare("total", "samples", profile["total"], len(table))
    if "n_subjects" in profile:
        compare("n_subjects", "subjects", profile["n_subjects"], table["subject"].nunique())
    found = table["emotion"].value_counts()
    for label, expected in (profile.get("classes") or {}).items():
        compare("classes", f"class {label}", expected, int(found.get(label, 0)))
    if profile.get("three_class"):
        from ..bench.tasks import get_task

        three = table["emotion"].map(dict(get_task("emotion-3").emotion_map)).value_counts()
        for label, expected in profile["three_class"].items():
            compare("three_class", f"3-class {label}", expected, int(three.get(label, 0)))
    check.counts["table"] = rows
