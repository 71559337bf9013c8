"""SAMM: the FACS codes spreadsheet (title rows above the header) + ``NNN/NNN_x_y/NNN_FFFFF.jpg``.

Format as read by public loaders (meb): the header row names Subject, Filename, Onset Frame, Apex
Frame, Offset Frame, Action Units, Estimated Emotion (and Inducement Code, Duration, Type, Notes,
Objective Classes); the rows above it are a title block whose length the reader does not assume.
Subject is written ``006`` or 6, its folder is the three-digit number; a sample's folder is named
by its Filename. Not confirmed: whether a folder holds frames outside onset..offset (the importer
cuts onset..offset out of it either way).
"""

from __future__ import annotations

from pathlib import Path

from .records import Record
from .sheets import read_label_sheet

REQUIRED = ("Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame", "Action Units", "Estimated Emotion")


def frames_root(source: Path) -> Path:
    return source / "SAMM" if (source / "SAMM").is_dir() else source


def read_records(source: Path, spec) -> list[Record]:
    table, rel = read_label_sheet(source, ("samm", "facs"), REQUIRED,
                                  "no SAMM FACS codes spreadsheet (SAMM_Micro_FACS_Codes*.xlsx) in the folder")
    root = frames_root(source).relative_to(source)
    records = []
    for line, row in table.iterrows():
        subject = row["Subject"]
        try:
            subject_folder = f"{int(float(str(subject).strip())):03d}"
        except ValueError:
            subject_folder = str(subject).strip()
        clip = str(row["Filename"]).strip()
        records.append(Record(rel, int(line), subject, clip, root / subject_folder / clip, row["Estimated Emotion"],
                              row["Onset Frame"], row["Apex Frame"], row["Offset Frame"], row["Action Units"],
                              row.get("Objective Classes")))
    return records
