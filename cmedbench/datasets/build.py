"""Published records -> sample-table rows: label map, errata, AU strings, frame folders, key frames.

Every fault becomes a located Problem (label file and line, or the clip's folder for folder-tree
datasets) and keeps that record out of the table; nothing here raises for bad data. A record's clip
is the frames of its folder numbered onset..offset (all of them when the dataset publishes no
onset/offset); ``apex_frame`` is the apex's index in that clip (0 = onset), the published numbers
stay in ``onset_number`` / ``apex_number`` / ``offset_number``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..problems import Problem
from ..release.frames import FrameSequenceError, numbered_frames
from ..release.labels import did_you_mean
from .austrings import AUStringError, canonical_action_units
from .records import Record
from .spec import DatasetSpec

CHECK = "import"
_DIGITS = re.compile(r"(\d+)(?!.*\d)")
MISSING_SHOWN = 5


@dataclass
class Built:
    rows: list[dict] = field(default_factory=list)  # one per usable record, sample-table columns
    frames: list[list[Path]] = field(default_factory=list)  # the clip's images, parallel to rows
    problems: list[Problem] = field(default_factory=list)
    applied: list[dict] = field(default_factory=list)  # errata applied: line, field, published, value, source


def as_frame_number(value: object) -> int | None:
    """A published frame number (7, 7.0, "7") or None when the cell holds none."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value) == int(value) and value >= 0 else None
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def canonical_subject(prefix: str, published: object) -> str | None:
    match = _DIGITS.search(str(published).strip())
    return f"{prefix}_sub_{int(match.group(1)):02d}" if match else None


def build_rows(records: list[Record], source: Path, spec: DatasetSpec) -> Built:
    built = Built()
    seen: dict[tuple, str] = {}
    for rec in records:
        row = _one(rec, source, spec, built)
        if row is None:
            continue
        key = (row[0]["subject"], row[0]["filename"])
        where = f"line {rec.line}" if rec.line is not None else rec.file
        if key in seen:
            built.problems.append(_problem(rec, f"duplicate clip {rec.clip!r} of subject {rec.subject!r} "
                                                f"(first at {seen[key]})", "filename", rec.clip))
            continue
        seen[key] = where
        built.rows.append(row[0])
        built.frames.append(row[1])
    return built


def _problem(rec: Record, message: str, column: str | None = None, value: object = None) -> Problem:
    return Problem(CHECK, "error", message, rec.file, rec.line, column, None if value is None else str(value),
                   str(rec.subject), rec.clip)


def _fix(rec: Record, spec: DatasetSpec, name: str, published: object, built: Built) -> tuple[bool, object]:
    """The erratum's value for field ``name`` of this record, if one applies (guarded by its clip)."""
    for e in spec.errata_for(rec.line):
        if e.field == name and (e.clip is None or e.clip == rec.clip):
            built.applied.append({"line": rec.line, "clip": rec.clip, "field": name,
                                  "published": None if published is None else str(published),
                                  "value": e.value, "source": e.source})
            return True, e.value
    return False, published


def _one(rec: Record, source: Path, spec: DatasetSpec, built: Built) -> tuple[dict, list[Path]] | None:
    problems_before = len(built.problems)
    for column, value, message in rec.faults:
        built.problems.append(_problem(rec, message, column, value))
    subject = canonical_subject(rec.subject_prefix or spec.subject_prefix, rec.subject)
    if subject is None:
        built.problems.append(_problem(rec, f"subject {rec.subject!r} carries no subject number", "subject",
                                       rec.subject))
    emotion = spec.emotion_of(rec.emotion)
    if emotion is None:
        fixed, value = _fix(rec, spec, "emotion", rec.emotion, built)
        emotion = spec.emotion_of(value) if fixed else None
    if emotion is None:
        hint = did_you_mean(str(rec.emotion), list(spec.emotions))
        built.problems.append(_problem(rec, f"unknown emotion label {rec.emotion!r} for {spec.title}"
                                            + (f" (did you mean {hint!r}?)" if hint else ""), "emotion", rec.emotion))
    action_units = None
    if rec.codes_action_units:
        try:
            action_units = canonical_action_units(rec.action_units)
        except AUStringError as published_error:
            fixed, value = _fix(rec, spec, "action_units", rec.action_units, built)
            fault: AUStringError = published_error
            if fixed:
                try:
                    action_units = canonical_action_units(value)
                except AUStringError as erratum_error:
                    fault = erratum_error
            if action_units is None:
                built.problems.append(_problem(rec, str(fault), "action_units", rec.action_units))
    if rec.faults:  # no frame folder can be named without the row's part
        return None
    try:
        numbered = numbered_frames(source / rec.folder)
    except FrameSequenceError as exc:
        built.problems.append(_problem(rec, str(exc).replace(str(source) + "/", ""), "folder",
                                       rec.folder.as_posix()))
        return None
    if not numbered:
        built.problems.append(_problem(rec, f"frame folder {rec.folder.as_posix()} holds no numbered images",
                                       "folder", rec.folder.as_posix()))
        return None
    keys = _key_numbers(rec, spec, numbered, built)
    if keys is None or any(p.severity == "error" for p in built.problems[problems_before:]):
        return None
    onset, apex, offset, apex_published = keys
    frames = [numbered[n] for n in range(onset, offset + 1)]
    row = {"subject": subject, "filename": rec.clip, "emotion": emotion, "apex_frame": apex - onset,
           "dataset": spec.name, "onset_number": onset, "apex_number": apex, "offset_number": offset,
           "apex_published": apex_published, "action_units": action_units,
           "action_units_published": None if rec.action_units is None else str(rec.action_units),
           "objective_class": None if rec.objective_class is None else str(rec.objective_class),
           "emotion_published": str(rec.emotion), "frame_folder": rec.folder.as_posix(), "label_file": rec.file,
           "label_line": rec.line}
    if rec.part is not None:
        row["part"] = rec.part
    if rec.fps is not None:
        row["fps"] = rec.fps
    _duration_rule(rec, spec, keys, built)
    return row, frames


def _duration_rule(rec: Record, spec: DatasetSpec, keys: tuple, built: Built) -> None:
    """A warning where the dataset's own ME duration rule (``me_duration`` in its map) says the sample is
    no ME: onset..offset longer than its limit and onset..apex longer than its limit."""
    rule = spec.raw.get("me_duration")
    fps = rec.fps or spec.fps
    if not rule or not fps:
        return
    onset, apex, offset, _ = keys
    total, rise = offset - onset + 1, apex - onset + 1
    max_total = fps * float(rule["max_onset_offset_ms"]) / 1000
    max_rise = fps * float(rule["max_onset_apex_ms"]) / 1000
    if total > max_total and rise > max_rise:
        built.problems.append(Problem(
            CHECK, "warning", f"not a micro-expression by {spec.title}'s duration rule at {fps:g} fps: onset..offset "
            f"{total} frames > {max_total:g} and onset..apex {rise} frames > {max_rise:g} ({rule['source']})",
            rec.file, rec.line, "offset", str(offset), str(rec.subject), rec.clip))


def _key_numbers(rec: Record, spec: DatasetSpec, numbered: dict[int, Path], built: Built):
    """(onset, apex, offset, apex_published) as frame numbers, errata applied; None after a problem."""
    folder = rec.folder.as_posix()
    if rec.onset is None and rec.offset is None and rec.apex is None:  # folder-tree dataset (SMIC)
        onset, offset = min(numbered), max(numbered)
        return onset, onset + (offset - onset) // 2, offset, False
    values, published = {}, {"onset": rec.onset, "apex": rec.apex, "offset": rec.offset}
    apex_published = True
    for name, cell in published.items():
        number = as_frame_number(cell)
        if number is None or number not in numbered:
            fixed, value = _fix(rec, spec, name, cell, built)
            if fixed:
                number = as_frame_number(value)
                apex_published = apex_published and name != "apex"
        values[name] = number
    onset, apex, offset = values["onset"], values["apex"], values["offset"]
    if None not in values.values() and not onset <= apex <= offset:
        for name in ("onset", "apex", "offset"):
            fixed, value = _fix(rec, spec, name, values[name], built)
            if fixed:
                values[name] = as_frame_number(value)
                apex_published = apex_published and name != "apex"
        onset, apex, offset = values["onset"], values["apex"], values["offset"]
    for name in ("onset", "offset", "apex"):
        if values[name] is None:
            built.problems.append(_problem(rec, f"{name} frame {published[name]!r} is not a frame number", name,
                                           published[name]))
    if None in values.values():
        return None
    if onset > offset:
        built.problems.append(_problem(rec, f"onset {onset} is after offset {offset}", "onset", onset))
        return None
    if not onset <= apex <= offset:
        built.problems.append(_problem(rec, f"apex {apex} is outside the clip (onset {onset}, offset {offset})",
                                       "apex", apex))
        return None
    missing = [n for n in range(onset, offset + 1) if n not in numbered]
    if missing:
        shown = ", ".join(str(n) for n in missing[:MISSING_SHOWN])
        more = f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else ""
        have = f"{min(numbered)}..{max(numbered)}"
        built.problems.append(_problem(rec, f"{len(missing)} frame(s) of onset..offset {onset}..{offset} missing "
                                            f"from {folder} (frames {shown}{more}; the folder holds {have})",
                                       "folder", folder))
        return None
    return onset, apex, offset, apex_published
