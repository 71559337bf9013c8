"""The curator's roster edits as a tracked input that survives re-segmenting: renames and merges.

The segmenter proposes a roster (``roster/<recording>.csv`` in its output folder); that folder is
rewritten whenever ``segment`` runs again, so edits made there are lost. ``roster_edits.csv`` (kept
next to ``decisions.csv`` and tracked by DVC as an input of ``compile``) holds the curator's edits
instead, one row per participant: ``recording, participant, rename_to, merge_into, reason``, with
exactly one of

* ``rename_to`` = ``Subject_NN``: the participant's clips (and those of everyone merged into it) get
  subject NN;
* ``merge_into`` = another participant id of the same recording: the two are one person (the
  identity step missed it); the group takes the root's name.

Participant ids are the segmenter's (``<recording>_P01`` ...): they are assigned in order of first
appearance, so the same footage segmented with the same settings gives the same ids and the edits
keep their effect. Problems are refused with file and line: an unknown recording or participant, a
malformed name, a row that renames and merges (or does neither), a participant edited twice, a merge
into itself or a cycle of merges, and two participants of one recording renamed to one ``Subject_NN``
without a merge between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .roster import SUBJECT_NAME, RosterError
from .text_csv import read_text_csv

ROSTER_EDITS_COLUMNS = ("recording", "participant", "rename_to", "merge_into", "reason")


@dataclass(frozen=True)
class RosterEdits:
    """The edits of one ``roster_edits.csv``: renames (participant -> Subject_NN) and participant-level
    merges (participant -> (into participant, reason, "file line N")), each validated."""

    names: dict
    merges: dict

    @property
    def empty(self) -> bool:
        return not self.names and not self.merges


NO_EDITS = RosterEdits({}, {})


def read_roster_edits(path: str | Path, segments: pd.DataFrame) -> RosterEdits:
    """The validated edits of ``path`` for the participants of ``segments``; every problem is named with
    its file and line (all of them, in one ``RosterError``)."""
    path = Path(path)
    table = read_text_csv(path, ROSTER_EDITS_COLUMNS, RosterError)
    recs = segments["recording"].astype(str)
    known = {r: set(segments.loc[recs == r, "participant"].astype(str)) for r in set(recs)}
    problems: list[str] = []
    names: dict[str, str] = {}
    merges: dict[str, tuple[str, str, str]] = {}
    line_of: dict[str, int] = {}
    for line, row in enumerate(table.to_dict("records"), start=2):
        rec, pid = row["recording"].strip(), row["participant"].strip()
        name, into = row["rename_to"].strip(), row["merge_into"].strip()
        where = f"line {line}"
        if rec not in known:
            problems.append(f"{where}: unknown recording {rec!r} (not in segments.csv)")
        elif pid not in known[rec]:
            problems.append(f"{where}: unknown participant {pid!r} in recording {rec}")
        elif pid in line_of:
            problems.append(f"{where}: participant {pid} is edited twice (line {line_of[pid]})")
        elif bool(name) == bool(into):
            problems.append(f"{where}: give exactly one of rename_to and merge_into for {pid}")
        elif name and not SUBJECT_NAME.fullmatch(name):
            problems.append(f"{where}: rename_to {name!r} is not Subject_NN")
        elif into and into not in known[rec]:
            problems.append(f"{where}: merge_into {into!r} is not a participant of recording {rec}")
        elif into == pid:
            problems.append(f"{where}: participant {pid} is merged into itself")
        else:
            line_of[pid] = line
            if name:
                names[pid] = name
            else:
                merges[pid] = (into, row["reason"].strip(), f"{path} line {line}")
    problems += _cycles(merges, line_of) + _shared_names(names, merges, line_of, segments)
    if problems:
        raise RosterError(f"{path}: " + "; ".join(problems))
    return RosterEdits(names, merges)


def _root(p: str, merges: dict) -> str:
    seen = set()
    while p in merges and p not in seen:
        seen.add(p)
        p = merges[p][0]
    return p


def _cycles(merges: dict, line_of: dict) -> list[str]:
    """One problem per cycle of merges (a -> b -> ... -> a), naming its lines."""
    problems, reported = [], set()
    for start in sorted(merges, key=line_of.get):
        path, p = [], start
        while p in merges and p not in path:
            path.append(p)
            p = merges[p][0]
        if p in path and p not in reported:
            loop = path[path.index(p):]
            reported |= set(loop)
            problems.append(f"lines {', '.join(str(line_of[q]) for q in loop)}: the merges "
                            f"{' -> '.join(loop + [p])} form a cycle")
    return problems


def _shared_names(names: dict, merges: dict, line_of: dict, segments: pd.DataFrame) -> list[str]:
    """Two participants of one recording renamed to the same Subject_NN but not merged into one group."""
    recording = dict(zip(segments["participant"].astype(str), segments["recording"].astype(str)))
    first: dict[tuple[str, int], str] = {}
    problems = []
    for pid in sorted(names, key=line_of.get):
        key = (recording[pid], int(SUBJECT_NAME.fullmatch(names[pid]).group(1)))
        other = first.setdefault(key, pid)
        if other != pid and _root(other, merges) != _root(pid, merges):
            problems.append(f"line {line_of[pid]}: {pid} and {other} (line {line_of[other]}) are both renamed "
                            f"{names[pid]} without a merge between them (add a merge_into row if they are one person)")
    return problems


def as_segment_merges(edits: RosterEdits, segments: pd.DataFrame) -> dict[str, tuple[str, str, str]]:
    """The participant merges as segment merges (first segment -> first segment of the ``into``
    participant), the form ``roster.resolve_merges`` checks (no two people on screen at once, names)."""
    first = {}
    for seg in segments.sort_values(["start", "segment"]).to_dict("records"):
        first.setdefault(str(seg["participant"]), str(seg["segment"]))
    return {first[p]: (first[into], reason, where) for p, (into, reason, where) in edits.merges.items()}


def combined_names(roster_names: dict[str, str], edits: RosterEdits, source: str) -> dict[str, str]:
    """The roster files' names and the edits' renames together; a participant named differently by the
    two is refused."""
    clash = [f"{p}: {roster_names[p]} in its roster file, {n} in {source}" for p, n in edits.names.items()
             if p in roster_names and int(SUBJECT_NAME.fullmatch(roster_names[p]).group(1))
             != int(SUBJECT_NAME.fullmatch(n).group(1))]
    if clash:
        raise RosterError("participants named twice, differently: " + "; ".join(clash))
    return {**roster_names, **edits.names}


def describe(edits: RosterEdits) -> dict[str, str]:
    """participant -> what the edits do to it, in words (for the review page)."""
    out = {p: f"renamed {n}" for p, n in edits.names.items()}
    for p, (into, reason, _) in edits.merges.items():
        out[p] = f"merged into {into}" + (f" ({reason})" if reason else "")
    return out
