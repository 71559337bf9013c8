"""Compile accepted labels and segments into a release: each event cut once from its source recording.

An event belongs to the segment of its recording whose area holds the point the labeller marked and
whose frame range holds the whole event. Every accepted event ends in exactly one of three states,
written to ``compile_report.csv`` with its reason, so that accepted = written + excluded + rejected:

* written: a clip of onset..offset cut from the source with the segment's crop;
* excluded: its segment carries an exclusion flag (several faces, likely facilitator, face missing,
  rotation, black bars);
* rejected: no segment holds it (the reason names the ``dropped.csv`` row when one covers it), or the
  recording ends before its offset.

The curator's roster edits (``roster_edits.csv``, an input that survives re-segmenting; or the proposed
``roster/<recording>.csv`` names ``Subject_NN``) and ``merge`` decisions set the subject of a segment's
clips; the report's reason says so (see ``roster`` and ``roster_edits``). A flagged segment never
fails the compile: a release with no clip is still written, with its report.
Each source recording is decoded once and each clip encoded once, losslessly (FFV1 in Matroska), so
the clips hold the source's pixels exactly as the segmenter's crop saw them. The apex is re-based on
the clip; No-ME events have none. The result has the CMED layout and passes `cmedbench validate`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from ..atomic import staged_dir, write_text
from ..release.labels import NO_ME, normalise_subject
from ..release.layout import write_release
from .crop import crop_square
from .decisions import DecisionsError, read_decision_table
from .roster import RosterError, read_roster_names, resolve_merges, subjects_and_notes
from .roster_edits import NO_EDITS, as_segment_merges, combined_names, read_roster_edits
from .segment_table import DROPPED_CSV, SegmentError, read_dropped, read_segments

EXCLUDING_FLAGS = ("multiple_faces", "likely_facilitator", "face_missing", "rotation", "black_bars")
# lossless: the clip is the source crop, bit for bit. In AVI, not Matroska: the Matroska muxer writes a
# random SegmentUID and the date into every file, so two runs gave different bytes (and a fresh clone a
# different dvc.lock); the AVI muxer writes neither, so one clip is one byte string.
CLIP_SUFFIX, CLIP_FOURCC = ".avi", "FFV1"
REPORT_CSV = "compile_report.csv"
STATUSES = ("written", "excluded", "rejected")


class CompileError(ValueError):
    """Inputs that cannot make a release: a missing table or source recording."""


def _dropped_reason(e: dict, dropped: pd.DataFrame | None) -> str:
    """Why no segment holds event ``e``: the dropped.csv rows covering its frames, if any."""
    base = "no segment holds the event"
    if dropped is None or dropped.empty:
        return base
    on, off = int(e["onset"]), int(e["offset"])
    rows = dropped[(dropped["recording"] == e["recording"]) & (dropped["start"].astype(int) <= off)
                   & (on < dropped["end"].astype(int))]
    x, y = float(e["x"]), float(e["y"])
    hits = []
    for r in rows.to_dict("records"):
        if r["x"] != "" and not (float(r["x"]) <= x < float(r["x"]) + float(r["side"])
                                 and float(r["y"]) <= y < float(r["y"]) + float(r["side"])):
            continue
        hits.append(f"dropped.csv: frames {r['start']}-{int(r['end']) - 1} {r['reason']}")
    return base + (f" ({'; '.join(hits)})" if hits else " (the splitter saw no face there)")


def place_events(accepted: pd.DataFrame, segments: pd.DataFrame, dropped: pd.DataFrame | None = None,
                 decisions: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """Adds segment, status (written / excluded / rejected, before cutting) and reason to every event;
    a curator's decision (segment -> keep/exclude, reason) overrides the segment's flags."""
    decisions = decisions or {}
    rows = []
    for e in accepted.to_dict("records"):
        x, y, on, off = float(e["x"]), float(e["y"]), int(e["onset"]), int(e["offset"])
        cand = segments[(segments["recording"] == e["recording"]) & (segments["x"] <= x)
                        & (x < segments["x"] + segments["side"]) & (segments["y"] <= y)
                        & (y < segments["y"] + segments["side"]) & (segments["start"] <= on) & (off < segments["end"])]
        seg, status, why = None, "written", ""
        if cand.empty:
            status, why = "rejected", _dropped_reason(e, dropped)
        else:
            seg = cand.iloc[0]
            flags = [f for f in str(seg["flags"] or "").split(";") if f in EXCLUDING_FLAGS]
            decision, reason = decisions.get(str(seg["segment"]), ("", ""))
            if decision == "exclude":
                status, why = "excluded", f"curator excluded segment {seg['segment']}: {reason or 'no reason given'}"
            elif decision == "keep" and flags:
                why = f"curator kept segment {seg['segment']} despite {', '.join(flags)}: {reason or 'no reason given'}"
            elif flags:
                status, why = "excluded", f"segment {seg['segment']} is flagged: {', '.join(flags)}"
        rows.append({**e, "segment": "" if seg is None else seg["segment"], "status": status, "reason": why})
    return pd.DataFrame(rows, columns=[*accepted.columns, "segment", "status", "reason"])


def cut_clips(source: Path, jobs: list[dict], folder: Path) -> dict[str, int]:
    """Decode ``source`` once and write each job (name, area, crop, first, last) as a lossless clip in
    ``folder``; returns the frames written per clip name (fewer than asked when the recording ends)."""
    import cv2

    cap = cv2.VideoCapture(str(source))
    if not cap.isOpened():
        raise CompileError(f"{source}: cannot be opened as a video")
    by_first: dict[int, list[dict]] = {}
    for j in jobs:
        by_first.setdefault(j["first"], []).append(j)
    last = max((j["last"] for j in jobs), default=-1)
    written = {j["name"]: 0 for j in jobs}
    open_: dict[str, tuple[dict, object]] = {}
    try:
        for i in range(last + 1):
            if not open_ and i not in by_first:
                if not cap.grab():  # no clip needs this frame: skip the colour conversion
                    break
                continue
            ok, frame = cap.read()
            if not ok:
                break
            for j in by_first.get(i, []):
                fourcc = cv2.VideoWriter_fourcc(*CLIP_FOURCC)
                open_[j["name"]] = (j, cv2.VideoWriter(str(folder / j["name"]), fourcc, j["fps"], (j["crop"],) * 2))
            for name, (j, writer) in list(open_.items()):
                writer.write(crop_square(frame, j["area"], j["crop"]))
                written[name] += 1
                if i == j["last"]:
                    writer.release()
                    del open_[name]
    finally:
        cap.release()
        for _, writer in open_.values():
            writer.release()
    return written


def _read_accepted(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise CompileError(f"{path} not found (reconcile the labels first)")
    return pd.read_csv(path, dtype={"apex": "Int64", "recording": str, "subject": str, "event_id": str},
                       keep_default_na=False, na_values={"apex": [""]})


def _with_edit_merges(decided: dict, from_edits: dict, source: str) -> dict:
    """The decisions' merges and the roster edits' merges together; one segment merged by both is refused."""
    both = sorted(set(decided) & set(from_edits))
    if both:
        raise RosterError(f"{source}: segment(s) {', '.join(both)} merged both here and in the roster edits "
                          f"({'; '.join(from_edits[s][2] for s in both)}): keep one")
    return {**decided, **from_edits}


def compile_release(segments_dir: str | Path, labels_dir: str | Path, out: str | Path, force: bool = False,
                    decisions: str | Path | None = None, roster_edits: str | Path | None = None) -> dict:
    """Cut every accepted event that lies in an unflagged (or curator-kept) segment into a CMED-layout
    release at ``out`` (built beside it, swapped in on success) with ``compile_report.csv``; returns the
    counts, which add up: accepted = clips + excluded + rejected. ``decisions``: the curator's
    ``decisions.csv`` (see ``decisions``), which overrides the flags segment by segment; ``roster_edits``:
    the curator's ``roster_edits.csv`` (renames and merges of participants, see ``roster_edits``)."""
    segments_dir, labels_dir, out = Path(segments_dir), Path(labels_dir), Path(out)
    try:
        segments = read_segments(segments_dir)
        dropped = read_dropped(segments_dir) if (segments_dir / DROPPED_CSV).is_file() else None
    except SegmentError as exc:
        raise CompileError(str(exc)) from None
    accepted = _read_accepted(labels_dir / "accepted.csv")
    try:
        decided, merges = read_decision_table(decisions, segments) if decisions is not None else ({}, {})
        edits = read_roster_edits(roster_edits, segments) if roster_edits is not None else NO_EDITS
        names = combined_names(read_roster_names(segments_dir, segments), edits, str(roster_edits))
        merges = _with_edit_merges(merges, as_segment_merges(edits, segments), str(decisions))
        merged = resolve_merges(merges, segments, str(decisions), names)
    except (DecisionsError, RosterError) as exc:
        raise CompileError(str(exc)) from None
    placed = place_events(accepted, segments, dropped, decided)
    subjects = placed["subject"]
    if names or merges:  # nothing edited: the labels' subjects, the report as before
        noted_subjects = subjects_and_notes(placed, segments, names, merged, merges)
        subjects = noted_subjects["subject"]
        noted = noted_subjects["note"] != ""
        placed.loc[noted, "reason"] = [f"{r}; {n}" if r else n for r, n in
                                       zip(placed.loc[noted, "reason"], noted_subjects.loc[noted, "note"])]
    by_name = segments.set_index("segment")
    jobs: dict[str, list[dict]] = {}
    for k, e in placed[placed["status"] == "written"].iterrows():
        seg = by_name.loc[e["segment"]]
        jobs.setdefault(str(seg["source"]), []).append({
            "row": k, "name": f"{e['recording']}_{e['event_id']}{CLIP_SUFFIX}", "fps": float(seg["fps"]),
            "area": (int(seg["x"]), int(seg["y"]), int(seg["side"])), "crop": int(seg["crop"]),
            "first": int(e["onset"]), "last": int(e["offset"])})
    missing = sorted(s for s in jobs if not Path(s).is_file())
    if missing:
        raise CompileError(f"{segments_dir / 'segments.csv'}: source recording(s) not found: {', '.join(missing)}")
    with staged_dir(out, force) as tmp:
        scratch = tmp / ".cut"
        scratch.mkdir()
        rows, videos = [], []
        for source, source_jobs in jobs.items():
            counts = cut_clips(Path(source), source_jobs, scratch)
            for j in source_jobs:
                e = placed.loc[j["row"]]
                want = j["last"] - j["first"] + 1
                if counts[j["name"]] < want:
                    placed.loc[j["row"], ["status", "reason"]] = (
                        "rejected", f"{source} ends after {j['first'] + counts[j['name']]} frames, before the offset")
                    (scratch / j["name"]).unlink(missing_ok=True)
                    continue
                apex = None if e["label"] == NO_ME or pd.isna(e["apex"]) else int(e["apex"]) - int(e["onset"])
                videos.append((len(rows), scratch / j["name"]))
                rows.append({"subject": normalise_subject(str(subjects[j["row"]])), "filename": j["name"],
                             "emotion": e["label"], "apex_frame": apex, "recording": e["recording"],
                             "event_id": e["event_id"], "segment": e["segment"]})
        table = pd.DataFrame(rows, columns=["subject", "filename", "emotion", "apex_frame", "recording", "event_id",
                                            "segment"])
        table["apex_frame"] = table["apex_frame"].astype("Int64")
        write_release(tmp, table, videos, flat=True, extra_columns=("recording", "event_id", "segment"))
        shutil.rmtree(scratch)
        write_text(tmp / REPORT_CSV, placed.to_csv(index=False, lineterminator="\n"))
    counts = placed["status"].value_counts()
    summary = {"accepted": len(placed), "clips": len(rows), **{s: int(counts.get(s, 0)) for s in STATUSES[1:]},
               "classes": {k: int(v) for k, v in table["emotion"].value_counts().items()}}
    assert summary["accepted"] == summary["clips"] + summary["excluded"] + summary["rejected"]
    return summary
