"""The paper's three-stage labelling (Section III-D), applied to the labellers' files.

Stage 1: labeller A marks onset, apex (emotion classes only) and offset and picks a class (No-ME too).
Stage 2: labeller B classifies each cut clip blind; agreement with stage 1 accepts the clip.
Stage 3: B re-classifies each disagreement, not told which label was whose; the clip is accepted when
the re-verified label matches stage 1. Everything else is rejected, with the reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..release.labels import LABELS, normalise_emotion
from .agreement import cohen_kappa, fleiss_kappa, rating_counts
from .label_checks import RecordingInfo, recording_infos, stage1_problems
from .text_csv import read_text_csv

# The labellers' files: stage 1 marks the event and its class; stages 2 and 3 give a class per event.
STAGE1 = ("event_id", "recording", "subject", "x", "y", "onset", "apex", "offset", "class")
STAGE23 = ("event_id", "class")
LABELLER_COLUMNS = {"stage1.csv": STAGE1, "stage2.csv": STAGE23, "stage3.csv": STAGE23}


class LabelsError(ValueError):
    """A labeller file that cannot be read, or that contradicts the others."""


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    df = read_text_csv(path, columns, LabelsError)
    df.index = df.index + 2  # file line numbers (header is line 1)
    problems = []
    canon = df["class"].map(normalise_emotion)
    for line in df.index[canon.isna()]:
        problems.append(f"{path.name} line {line}: unknown class {df.at[line, 'class']!r}")
    dup = df["event_id"].duplicated()
    for line in df.index[dup]:
        problems.append(f"{path.name} line {line}: event {df.at[line, 'event_id']} appears twice")
    if problems:
        raise LabelsError("; ".join(problems))
    df["class"] = canon
    return df


@dataclass
class Reconciled:
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    agreement: dict


def reconcile(labels_dir: str | Path, recordings: dict[str, RecordingInfo] | None = None) -> Reconciled:
    """The three stages' rules applied to ``labels_dir/stage{1,2,3}.csv`` (stage 3 may be absent), after
    every stage-1 event passed the sanity checks (against ``recordings``, name -> info, when given)."""
    d = Path(labels_dir)
    s1 = _read(d / "stage1.csv", LABELLER_COLUMNS["stage1.csv"])
    problems = stage1_problems(s1, "stage1.csv", recordings)
    if problems:
        shown = "; ".join(problems[:20]) + (f"; ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise LabelsError(f"{d / 'stage1.csv'}: {len(problems)} bad event(s): {shown}")
    s2 = _read(d / "stage2.csv", LABELLER_COLUMNS["stage2.csv"]).set_index("event_id")["class"]
    s3 = _read(d / "stage3.csv", LABELLER_COLUMNS["stage3.csv"]).set_index("event_id")["class"] \
        if (d / "stage3.csv").exists() else pd.Series(dtype=str)
    missing = sorted(set(s1["event_id"]) - set(s2.index))
    if missing:
        raise LabelsError(f"stage2.csv has no label for {len(missing)} stage-1 event(s): {', '.join(missing[:10])}")
    acc, rej = [], []
    for row in s1.to_dict("records"):
        eid = row["event_id"]
        a, b, c = row["class"], s2[eid], s3.get(eid)
        rec = {k: row[k] for k in STAGE1 if k != "class"}
        if a == b:
            acc.append({**rec, "label": a, "how": "stage 2 agrees"})
        elif c is None:
            rej.append({"event_id": eid, "stage1": a, "stage2": b, "stage3": "",
                        "reason": "disagreement with no stage-3 re-verification"})
        elif c == a:
            acc.append({**rec, "label": a, "how": "stage 3 matches stage 1"})
        else:
            rej.append({"event_id": eid, "stage1": a, "stage2": b, "stage3": c,
                        "reason": "stage 3 does not match stage 1"})
    a_labels, b_labels = s1["class"].tolist(), [s2[e] for e in s1["event_id"]]
    labels = [label for label in LABELS if label in set(a_labels) | set(b_labels) | set(s3.tolist())]
    cm = pd.crosstab(pd.Series(a_labels, name="stage1"), pd.Series(b_labels, name="stage2")).reindex(
        index=labels, columns=labels, fill_value=0)
    disagree = [e for e, a, b in zip(s1["event_id"], a_labels, b_labels) if a != b and e in s3.index]
    three = [[a, b, s3[e]] for e, a, b in zip(s1["event_id"], a_labels, b_labels) if e in disagree]
    agreement = {
        "n_events": len(s1), "n_accepted": len(acc), "n_rejected": len(rej),
        "accepted_at_stage_2": sum(r["how"] == "stage 2 agrees" for r in acc),
        "accepted_at_stage_3": sum(r["how"] == "stage 3 matches stage 1" for r in acc),
        "cohen_kappa_stage1_stage2": cohen_kappa(a_labels, b_labels),
        "fleiss_kappa_stage1_stage2": fleiss_kappa(rating_counts([[a, b] for a, b in zip(a_labels, b_labels)], labels)),
        "fleiss_kappa_disagreements_3_ratings": (fleiss_kappa(rating_counts(three, labels)) if three else None),
        "labeller_confusion": {"labels": labels, "rows_stage1_columns_stage2": cm.to_numpy().tolist()},
    }
    return Reconciled(pd.DataFrame(acc), pd.DataFrame(rej), agreement)


def write_reconciled(r: Reconciled, out: str | Path) -> None:
    import json

    from ..atomic import write_text

    out = Path(out)
    for name, df in (("accepted.csv", r.accepted), ("rejected.csv", r.rejected)):
        buf = io.StringIO()
        df.to_csv(buf, index=False, lineterminator="\n")
        write_text(out / name, buf.getvalue())
    write_text(out / "agreement.json", json.dumps(r.agreement, indent=2) + "\n")


def reconcile_labels(labels_dir: str | Path, out: str | Path, recordings_dir: str | Path | None = None) -> Reconciled:
    """Reconcile ``labels_dir`` (checked against the recordings in ``recordings_dir`` when given) and write
    ``accepted.csv``, ``rejected.csv`` and ``agreement.json`` to ``out``."""
    r = reconcile(labels_dir, recording_infos(recordings_dir) if recordings_dir is not None else None)
    write_reconciled(r, out)
    return r
