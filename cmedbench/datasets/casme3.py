"""CAS(ME)^3 part A: the ME label spreadsheet + ``<Subject>/<Filename>/color/N.jpg`` frame folders.

Format as read by public loaders (meb): columns Subject (``spNO.1``), Filename (a task letter such as
``a``), Onset, Apex, Offset, AU, Objective class, emotion; one recording (Filename) may hold several
MEs, so a clip is named ``<Filename>_<Onset>`` (Filename alone is not unique). Frames are the
recording's ``color`` folder, numbered by the frame number the sheet uses. Not confirmed: the exact
emotion spellings and the objective-class column's name (read when present).
"""

from __future__ import annotations

from pathlib import Path

from .records import Record
from .sheets import read_label_sheet

REQUIRED = ("Subject", "Filename", "Onset", "Apex", "Offset", "AU", "emotion")


def frames_root(source: Path) -> Path:
    for candidate in (source / "data" / "part_A", source / "part_A", source):
        if candidate.is_dir() and any(candidate.glob("spNO.*")):
            return candidate
    return source


def read_records(source: Path, spec) -> list[Record]:
    table, rel = read_label_sheet(source, ("part_a", "label"), REQUIRED,
                                  "no CAS(ME)^3 part A label spreadsheet (*part_A*label*.xlsx) in the folder")
    root = frames_root(source).relative_to(source)
    sub = spec.raw.get("frames_subfolder", "color")
    records = []
    for line, row in table.iterrows():
        subject, recording = str(row["Subject"]).strip(), str(row["Filename"]).strip()
        onset = row["Onset"]
        clip = f"{recording}_{_plain(onset)}"
        objective = row.get("Objective class", row.get("Objective Class"))
        records.append(Record(rel, int(line), subject, clip, root / subject / recording / sub, row["emotion"],
                              onset, row["Apex"], row["Offset"], row["AU"], objective))
    return records


def _plain(value: object) -> str:
    try:
        return str(int(float(str(value))))
    except ValueError:
        return str(value).strip()
