"""CASME II: the coding spreadsheet + ``subNN/EPxx_yy/imgN.jpg`` frame folders.

Format as read by public loaders (meb): one sheet, header row Subject, Filename, OnsetFrame,
ApexFrame, OffsetFrame, Action Units, Estimated Emotion (plus two unnamed columns, ignored); Subject
is a number (1..26) whose folder is ``subNN``; the frame numbers are the numbers in ``imgN.jpg``.
Not confirmed: whether every distributed folder holds exactly onset..offset (the importer cuts
onset..offset out of the folder either way) and what the two unnamed columns hold.
An "Objective Class" column (MEGC 2018's objective classes) is read when present.
"""

from __future__ import annotations

from pathlib import Path

from .records import Record
from .sheets import read_label_sheet

REQUIRED = ("Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units", "Estimated Emotion")
FRAMES_FOLDERS = ("CASME2_RAW_selected", "CASME2-RAW", "CASME2_RAW", "Cropped", "")


def frames_root(source: Path) -> Path:
    """The folder holding ``subNN/`` (the raw-selected tree, or the source itself)."""
    for name in FRAMES_FOLDERS:
        if (source / name).is_dir() and any((source / name).glob("sub*")):
            return source / name
    return source


def read_records(source: Path, spec) -> list[Record]:
    table, rel = read_label_sheet(source, ("coding", "casme2"), REQUIRED,
                                  "no CASME II coding spreadsheet (CASME2-coding-*.xlsx) in the folder")
    root = frames_root(source).relative_to(source)
    records = []
    for line, row in table.iterrows():
        subject = row["Subject"]
        number = _subject_number(subject)
        folder = root / (f"sub{number:02d}" if number is not None else str(subject)) / str(row["Filename"]).strip()
        records.append(Record(rel, int(line), subject, str(row["Filename"]).strip(), folder,
                              row["Estimated Emotion"], row["OnsetFrame"], row["ApexFrame"], row["OffsetFrame"],
                              row["Action Units"], row.get("Objective Class")))
    return records


def _subject_number(value: object) -> int | None:
    text = str(value).strip().lower().removeprefix("sub")
    try:
        return int(float(text))
    except ValueError:
        return None
