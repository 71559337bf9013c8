"""DFME: label table(s) read through a column map + one frame folder per clip; three parts by fps.

NOT CONFIRMED: DFME's distributed label format. No public loader or description of the label file
was found (searched: the MEA lab's repositories, MEGC scripts, code and issue indexes), so every
column name here is the packaged default of ``maps/dfme.yaml`` (Subject, Filename, Onset, Apex,
Offset, AU, Emotion; part from a ``Part`` column when one is named, else from the label file's path,
``..._PART_A...``), and the frame folder ``PART_{part}/{subject}/{clip}`` is a guess too. A user
whose files differ passes their own column map (``columnmap.py``). Confirmed from the paper: the
parts' frame rates (A 500, B 300, C 200 fps), the eight emotion classes incl. contempt and others,
AU cells like ``AU6+AU12``, and the ME duration rule (checked in ``build``).
"""

from __future__ import annotations

import re
from pathlib import Path

from .columnmap import ColumnMap, ColumnMapError, merged_map
from .records import Record
from .sheets import SheetError, read_sheet

_PART_IN_PATH = re.compile(r"part[\s_-]*([abc])(?![a-z])", re.IGNORECASE)
_PART_CELL = re.compile(r"^(?:part)?[\s_-]*([abc])$", re.IGNORECASE)
SUPPORTS_COLUMN_MAP = True


def column_map(spec, override_file: str | Path | None = None) -> ColumnMap:
    """The packaged default column map with the user's file laid over it (ColumnMapError if malformed)."""
    return merged_map(spec.raw.get("columns") or {}, override_file)


def find_label_files(source: Path, cmap: ColumnMap) -> list[Path]:
    hits = sorted({p for g in cmap.label_files for p in source.glob(g) if p.is_file() and not p.name.startswith("~$")})
    if not hits:
        raise SheetError(f"{source}: no DFME label table matching {', '.join(cmap.label_files)} "
                         f"(column map: {cmap.source})")
    return hits


def part_of(value: object) -> str | None:
    """'A', 'a', 'PART A', 'Part_B' -> the part letter; None for anything else."""
    match = _PART_CELL.match(str(value).strip()) if value is not None else None
    return match.group(1).upper() if match else None


def read_records(source: Path, spec) -> list[Record]:
    try:
        cmap = column_map(spec, spec.raw.get("column_map_file"))
    except ColumnMapError as exc:  # the importer checks the map first; this guards direct callers
        raise SheetError(str(exc)) from None
    parts = spec.raw.get("parts") or {}
    fields = ("subject", "clip", "onset", "apex", "offset", "action_units", "emotion", "part")
    wanted = {f: cmap.columns.get(f) for f in fields}
    records, unreadable = [], []
    for sheet in find_label_files(source, cmap):
        rel = sheet.relative_to(source).as_posix()
        try:
            table = read_sheet(sheet, cmap.required(), rel)
        except SheetError as exc:  # go on: every unreadable table is reported, not just the first
            unreadable.append(str(exc))
            continue
        path_part = _PART_IN_PATH.search(rel)
        for line, row in table.iterrows():
            cell = {f: (row.get(c) if c else None) for f, c in wanted.items()}
            faults = []
            if wanted["part"]:
                part = part_of(cell["part"])
                if part is None or part not in parts:
                    why = f"part {cell['part']!r} is not one of {', '.join(sorted(parts))} (or 'PART A')"
                    faults.append(("part", cell["part"], why))
            else:
                part = path_part.group(1).upper() if path_part else None
                if part is None:
                    why = f"no part for {rel}: its path names none (PART_A...) and the column map names no part column"
                    faults.append(("part", rel, why))
            subject, clip = _plain(cell["subject"]), _plain(cell["clip"])
            folder = Path(cmap.frames.format(part=part or "?", subject=subject, clip=clip))
            prefix = f"{spec.subject_prefix}-{part.lower()}" if part else spec.subject_prefix
            fps = float(parts[part]["fps"]) if part in parts else None
            records.append(Record(rel, int(line), cell["subject"], clip, folder, cell["emotion"], cell["onset"],
                                  cell["apex"], cell["offset"], cell["action_units"], part=part, fps=fps,
                                  subject_prefix=prefix, faults=faults))
    if unreadable:
        raise SheetError(f"{'; '.join(unreadable)} (column map: {cmap.source})")
    return records


def _plain(value: object) -> str:
    """A cell as a name: 12 and 12.0 -> '12'; text stripped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()
