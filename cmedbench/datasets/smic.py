"""SMIC (HS, VIS, NIR): no label spreadsheet; the folder tree is the label.

Layout as read by public loaders (meb): ``<mode>/sN/micro/<class>/<clip>/<frames>`` with mode HS,
VIS or NIR and class negative, positive or surprise; a clip folder holds the micro-expression from
onset to offset. SMIC codes no apex and no action units: the record's apex is left blank (the
importer writes the middle frame, flagged ``apex_published = false``) and action_units is NA.
Not confirmed: frame file names (the number in the name orders the frames; any image type is read).
"""

from __future__ import annotations

from pathlib import Path

from .records import Record
from .sheets import SheetError


def mode_root(source: Path, spec) -> Path:
    """The mode folder (``HS``): the source itself when it is one, else its child of that name."""
    mode = spec.raw.get("mode_folder", "HS")
    for candidate in (source / mode, source / "SMIC_all_raw" / mode, source):
        if candidate.is_dir() and any(candidate.glob("*/micro")):
            return candidate
    raise SheetError(f"{source}: no SMIC {mode} tree (expected {mode}/sN/micro/<class>/<clip>/)")


def read_records(source: Path, spec) -> list[Record]:
    root = mode_root(source, spec)
    records = []
    for subject_dir in sorted(p for p in root.iterdir() if (p / "micro").is_dir()):
        for class_dir in sorted(p for p in (subject_dir / "micro").iterdir() if p.is_dir()):
            for clip_dir in sorted(p for p in class_dir.iterdir() if p.is_dir()):
                rel = clip_dir.relative_to(source)
                records.append(Record(rel.as_posix(), None, subject_dir.name, clip_dir.name, rel, class_dir.name,
                                      codes_action_units=False))
    return records
