"""Who each clip's subject is: the curator's roster names and participant merges, resolved per segment.

The segmenter writes ``roster/<recording>.csv`` (one row per participant, ``name`` = the participant id)
and the curator edits only the ``name`` column:

* ``Subject_NN`` renames the participant: its clips get subject NN in the release;
* two rows given the same ``Subject_NN`` merge the two participants into one subject;
* a name left equal to the participant id changes nothing.

A ``merge`` row of ``decisions.csv`` (``segment``, ``into``) makes a segment's participant the same
person as the ``into`` segment's participant; the curator's ``roster_edits.csv`` (see ``roster_edits``)
renames and merges participants in a file that survives re-segmenting. Merged participants take the
group's roster name, or, without one, the subject the labeller gave the ``into`` side. With no edit and
no merge, every clip keeps the subject of its labels: nothing changes. Every problem is named with its
file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .segment_table import ROSTER_DIR

SUBJECT_NAME = re.compile(r"Subject_(\d{2,})")  # Subject_NN: two digits or more


class RosterError(ValueError):
    """A roster edit or a merge that cannot be honoured: unknown id, malformed name, or a conflict."""


def _overlap(segments: pd.DataFrame, a: set[str], b: set[str]) -> tuple[str, str] | None:
    """Two segments, one of participants ``a`` and one of ``b``, on screen at the same time (or None)."""
    sa, sb = segments[segments["participant"].isin(a)], segments[segments["participant"].isin(b)]
    for x in sa.to_dict("records"):
        for y in sb.to_dict("records"):
            if x["recording"] == y["recording"] and x["start"] < y["end"] and y["start"] < x["end"]:
                return str(x["segment"]), str(y["segment"])
    return None


def read_roster_names(segments_dir: str | Path, segments: pd.DataFrame) -> dict[str, str]:
    """participant -> curator's subject name (``Subject_NN``) from every ``roster/<recording>.csv``; only
    the renamed participants appear. Refuses unknown ids, malformed names and impossible merges."""
    folder = Path(segments_dir) / ROSTER_DIR
    names: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise RosterError(f"{path}: not a readable CSV ({exc})") from None
        if not {"participant", "name"} <= set(table.columns):
            raise RosterError(f"{path}: missing column(s) participant, name")
        known = set(segments.loc[segments["recording"].astype(str) == path.stem, "participant"].astype(str))
        seen: dict[str, int] = {}
        by_name: dict[str, tuple[set[str], int]] = {}
        for line, row in enumerate(table.to_dict("records"), start=2):
            pid, name = row["participant"].strip(), row["name"].strip()
            where = f"{path} line {line}"
            if pid not in known:
                problems.append(f"{where}: unknown participant {pid!r} (not in segments.csv for {path.stem})")
            elif pid in seen:
                problems.append(f"{where}: participant {pid} is listed twice (line {seen[pid]})")
            elif name and name != pid and not SUBJECT_NAME.fullmatch(name):
                problems.append(f"{where}: name {name!r} is not Subject_NN (nor the participant id)")
            else:
                seen[pid] = line
                if name and name != pid:
                    group, first = by_name.setdefault(str(int(SUBJECT_NAME.fullmatch(name).group(1))), (set(), line))
                    both = _overlap(segments, group, {pid})
                    if both:
                        problems.append(f"{where}: {pid} cannot be named {name} like line {first}: segments "
                                        f"{both[0]} and {both[1]} are on screen at the same time")
                    else:
                        group.add(pid)
                        names[pid] = name
    if problems:
        raise RosterError("; ".join(problems))
    return names


def resolve_merges(merges: dict[str, tuple[str, str, int | str]], segments: pd.DataFrame, source: str,
                   names: dict[str, str]) -> dict[str, str]:
    """participant -> the participant it is merged into (the root of its chain), from the decisions'
    ``merge`` rows (segment -> (into segment, reason, line of ``source``, or a "file line N" text for
    merges from another file)). Refuses merges across recordings, two people on screen at once, and
    groups whose roster names disagree."""
    by_seg = segments.set_index(segments["segment"].astype(str))
    parent: dict[str, str] = {}
    problems: list[str] = []

    def root(p: str) -> str:
        while p in parent:
            p = parent[p]
        return p

    def members(r: str) -> set[str]:
        return {p for p in set(segments["participant"].astype(str)) if root(p) == r}

    for seg, (into, _, line) in merges.items():
        where = line if isinstance(line, str) else f"{source} line {line}"
        a, b = by_seg.loc[seg], by_seg.loc[into]
        pa, pb = root(str(a["participant"])), root(str(b["participant"]))
        if a["recording"] != b["recording"]:
            problems.append(f"{where}: segment {seg} ({a['recording']}) cannot be merged into {into} "
                            f"({b['recording']}): participants are per recording")
            continue
        if pa == pb:
            continue
        both = _overlap(segments, members(pa), members(pb))
        named = {names[p] for p in members(pa) | members(pb) if p in names}
        if both:
            problems.append(f"{where}: {pa} cannot be merged into {pb}: segments {both[0]} and {both[1]} are "
                            "on screen at the same time")
        elif len({int(SUBJECT_NAME.fullmatch(n).group(1)) for n in named}) > 1:
            problems.append(f"{where}: {pa} cannot be merged into {pb}: the roster names them differently "
                            f"({', '.join(sorted(named))})")
        else:
            parent[pa] = pb
    if problems:
        raise RosterError("; ".join(problems))
    return {p: root(p) for p in parent}


def subjects_and_notes(placed: pd.DataFrame, segments: pd.DataFrame, names: dict[str, str],
                       merged: dict[str, str], merges: dict[str, tuple[str, str, int | str]]) -> pd.DataFrame:
    """``subject`` and ``note`` per placed event: the roster name of its segment's (merged) participant,
    or for a merged participant the subject labelled on the ``into`` side, else the labels' own subject;
    the note says why when it differs (empty when nothing was edited)."""
    from ..release.labels import normalise_subject

    part = dict(zip(segments["segment"].astype(str), segments["participant"].astype(str)))
    group_name = {merged.get(p, p): n for p, n in names.items()}
    why_merged: dict[str, list[str]] = {}
    for seg, (into, reason, _) in merges.items():
        why_merged.setdefault(part[seg], []).append(f"segment {seg} into {into}: {reason or 'no reason given'}")
    labelled: dict[str, str] = {}
    for e in placed.to_dict("records"):
        p = part.get(str(e["segment"]))
        if p is not None and p not in merged and normalise_subject(str(e["subject"])):
            labelled.setdefault(p, normalise_subject(str(e["subject"])))
    subjects, notes = [], []
    for e in placed.to_dict("records"):
        subject, note = str(e["subject"]), []
        p = part.get(str(e["segment"]))
        if p is not None:
            q = merged.get(p, p)
            if q != p:
                note.append(f"participant {p} merged into {q} ({'; '.join(why_merged.get(p, ['by a chain of merges']))})")
            name = names.get(p) or group_name.get(q)
            if name:
                subject = normalise_subject(name)
                note.append(f"subject {subject} from the roster name {name}")
            elif q != p and q in labelled:
                subject = labelled[q]
                note.append(f"subject {subject} as labelled for {q}")
        subjects.append(subject)
        notes.append("; ".join(note))
    return pd.DataFrame({"subject": subjects, "note": notes}, index=placed.index)
