"""What an adapter reads from a dataset, before any checking: one published record per sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Record:
    """One sample as the dataset publishes it; ``line`` is the spreadsheet line (None for folder trees)."""

    file: str  # the label file (or folder) the record comes from, relative to the source
    line: int | None
    subject: object  # as published: 1, "006", "s3", "spNO.1"
    clip: str  # the published sample name (EP02_01f, 006_1_2, s3_ne_01)
    folder: Path  # the sample's frame folder, relative to the source
    emotion: object
    onset: object = None  # absolute frame numbers as published (the number in the frame file names)
    apex: object = None
    offset: object = None
    action_units: object = None  # the published AU cell; None when the dataset codes no AUs
    objective_class: object = None
    codes_action_units: bool = True
    part: str | None = None  # the dataset's part where it has several (DFME A/B/C), else None
    fps: float | None = None  # the sample's frame rate where it differs by part (else the dataset's)
    subject_prefix: str | None = None  # where it differs by part (else the dataset's)
    faults: list = field(default_factory=list)  # (column, value, message) the adapter found in the row
