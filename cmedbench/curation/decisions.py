"""The curator's decisions: a segment kept despite its flags, or excluded despite none, with a reason.

``decisions.csv`` has one row per segment the curator decided on: ``segment, decision, reason``, the
decision ``keep``, ``exclude`` or ``merge``. A segment without a row is decided by its flags. A ``merge``
row (with an ``into`` column naming another segment of the recording) says the segment's participant is
the ``into`` segment's person; its flags still decide whether it is kept (see ``roster``). ``compile`` reads it
and reports every event of an excluded segment with the curator's reason; nothing is dropped silently.
``cmedbench curate review`` writes one pre-filled from the flags, for the curator to edit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .text_csv import read_text_csv

DECISIONS_COLUMNS = ("segment", "decision", "reason")
DECISIONS = ("keep", "exclude", "merge")
MERGE_COLUMN = "into"  # optional: needed by merge rows only


class DecisionsError(ValueError):
    """A decisions file that cannot be read, or that names a segment or decision that does not exist."""


def read_decisions(path: str | Path, segments: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """segment -> (decision, reason) of the keep / exclude rows of ``path``; every problem named with its line."""
    return read_decision_table(path, segments)[0]


def read_decision_table(path: str | Path, segments: pd.DataFrame
                        ) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str, int]]]:
    """(segment -> (keep/exclude, reason), segment -> (into segment, reason, line) of the merge rows)
    from ``path``; every problem named with its line."""
    path = Path(path)
    df = read_text_csv(path, DECISIONS_COLUMNS, DecisionsError)
    known = set(segments["segment"].astype(str))
    problems, out, merges = [], {}, {}
    for k, row in enumerate(df.to_dict("records"), start=2):
        seg, decision = row["segment"].strip(), row["decision"].strip().lower()
        into = str(row.get(MERGE_COLUMN, "")).strip()
        if seg not in known:
            problems.append(f"line {k}: unknown segment {seg!r}")
        elif decision not in DECISIONS:
            problems.append(f"line {k}: decision {row['decision']!r} is not one of {', '.join(DECISIONS)}")
        elif seg in out or seg in merges:
            problems.append(f"line {k}: segment {seg} is decided twice")
        elif decision == "merge" and not into:
            problems.append(f"line {k}: merge of {seg} names no segment in column {MERGE_COLUMN!r}")
        elif decision == "merge" and into not in known:
            problems.append(f"line {k}: merge into unknown segment {into!r}")
        elif decision == "merge" and into == seg:
            problems.append(f"line {k}: segment {seg} is merged into itself")
        elif decision == "merge":
            merges[seg] = (into, row["reason"].strip(), k)
        else:
            out[seg] = (decision, row["reason"].strip())
    if problems:
        raise DecisionsError(f"{path}: " + "; ".join(problems))
    return out, merges


def prefilled(segments: pd.DataFrame) -> pd.DataFrame:
    """One row per segment as the flags decide it: exclude (reason: the flags) or keep."""
    flags = segments["flags"].astype(str)
    return pd.DataFrame({"segment": segments["segment"],
                         "decision": ["exclude" if f else "keep" for f in flags],
                         "reason": [f"flagged: {f.replace(';', ', ')}" if f else "" for f in flags]},
                        columns=list(DECISIONS_COLUMNS))
