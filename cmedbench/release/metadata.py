"""Reading ``video_emotion_metadata.csv`` defensively and turning it into canonical columns.

The file comes from other people's spreadsheets: BOMs, CRLF, ``;`` separators, stray bytes and
duplicated headers all happen. Each is either accepted with a warning (harmless encodings) or reported
with its line, never a traceback. Line numbers are the file's own (header = line 1) and stay the
DataFrame index so every later check can name the line.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..bounded import InputRefused, is_blank, read_bounded
from .labels import EMOTIONS, LABELS, did_you_mean, normalise_emotions, normalise_subjects
from .report import Problem

METADATA_NAME = "video_emotion_metadata.csv"
REQUIRED_COLUMNS: tuple[str, ...] = ("subject", "filename", "emotion", "apex_frame")
CHECK = "metadata"
LABEL_CHECK = "labels"
MAX_METADATA_BYTES = 64 << 20  # CMED's 10,924 rows take ~0.5 MB

_INT_RE = re.compile(r"^[+-]?\d{1,9}(?:\.0*)?$")  # frame indices; longer numbers are not frames


class MetadataError(Exception):
    """The CSV cannot be read at all; ``problems`` says every reason found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class Metadata:
    """Raw CSV cells (strings, index = file line) plus the canonical columns derived from them."""

    path: Path
    raw: pd.DataFrame
    table: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    def name_clips(self, problems: list[Problem]) -> list[Problem]:
        """``problems`` with each row problem's subject and clip file name filled in from its CSV line."""
        return name_clips(problems, self.raw)


def _cell(raw: pd.DataFrame, line: int, column: str) -> str | None:
    value = raw.at[line, column]
    return None if value is pd.NA or value is None else str(value).strip() or None


def name_clips(problems: list[Problem], raw: pd.DataFrame) -> list[Problem]:
    """Row problems (those with a CSV line) located by the subject and file name the curator wrote."""
    out = []
    for p in problems:
        if p.line is not None and p.line in raw.index and not (p.subject or p.clip):
            p = dataclasses.replace(p, subject=_cell(raw, p.line, "subject"), clip=_cell(raw, p.line, "filename"))
        out.append(p)
    return out


def _decode(path: Path, data: bytes) -> tuple[str, list[Problem]]:
    problems: list[Problem] = []
    name = path.name
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(CHECK, "warning", "file starts with a UTF-8 byte-order mark (ignored)", name, 1))
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        bad: list[Problem] = []
        for i, line in enumerate(data.split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad.append(Problem(CHECK, "error",
                                   f"bytes are not UTF-8 ({line[exc.start:exc.end]!r} at column {exc.start + 1}); "
                                   "re-save the file as UTF-8", name, i))
        raise MetadataError(problems + bad) from None
    if "\r\n" in text:
        problems.append(Problem(CHECK, "warning", "file uses CRLF line endings (accepted)", name))
    return text, problems


def _sniff_separator(header: str, name: str) -> tuple[str, list[Problem]]:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=counts.get)
    if counts[sep] == 0:
        sep = ","
    problems = []
    if sep != ",":
        problems.append(Problem(CHECK, "warning", f"file is separated by {sep!r}, not ',' (accepted)", name, 1))
    return sep, problems


def read_raw(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Cells as strings with the file line as index; raises MetadataError when unreadable."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise MetadataError([Problem(CHECK, "error", f"{METADATA_NAME} is missing from the release", name)])
    if path.is_dir():
        raise MetadataError([Problem(CHECK, "error", "expected a CSV file, found a directory", name)])
    try:
        data = read_bounded(path, MAX_METADATA_BYTES)
    except InputRefused as exc:
        raise MetadataError([Problem(CHECK, "error", f"cannot read the file: {exc.reason}", name)]) from None
    if is_blank(data):
        raise MetadataError([Problem(CHECK, "error", "file is empty (no header, no rows)", name)])
    text, problems = _decode(path, data)
    if not text.strip():
        raise MetadataError(problems + [Problem(CHECK, "error", "file is empty (no header, no rows)", name)])
    sep, sep_problems = _sniff_separator(text.splitlines()[0], name)
    problems += sep_problems

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        unreadable = Problem(CHECK, "error", f"the header line is not CSV ({exc})", name, 1)
        raise MetadataError(problems + [unreadable]) from None
    fatal: list[Problem] = []
    lowered = [h.lower() for h in header]
    for col in sorted({h for h in lowered if lowered.count(h) > 1}):
        fatal.append(Problem(CHECK, "error", f"header names column {col!r} {lowered.count(col)} times", name, 1, col))
    if any(h == "" for h in header):
        fatal.append(Problem(CHECK, "error", "header has an empty column name", name, 1))
    missing = [c for c in REQUIRED_COLUMNS if c not in lowered]
    if missing:
        fatal.append(Problem(CHECK, "error",
                             f"required column(s) missing: {', '.join(missing)} (header is {header})", name, 1))
    if fatal:
        raise MetadataError(problems + fatal)

    rows, lines = [], []
    width = len(header)
    where = {c: lowered.index(c) for c in ("subject", "filename")}
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != width:
                subject, clip = (row[where[c]].strip() or None if where[c] < len(row) else None
                                 for c in ("subject", "filename"))
                problems.append(Problem(CHECK, "error", f"row has {len(row)} fields, header has {width}", name, line,
                                        subject=subject, clip=clip))
                continue
            rows.append(row)
            lines.append(line)
    except csv.Error as exc:
        problems.append(Problem(CHECK, "error", f"not CSV from here on ({exc}); the rows before are checked",
                                name, reader.line_num))
    columns = [h.lower() if h.lower() in REQUIRED_COLUMNS else h for h in header]
    raw = pd.DataFrame(rows, columns=columns, index=pd.Index(lines, name="line"), dtype="string")
    if raw.empty:
        problems.append(Problem(CHECK, "error", "file has a header but no rows", name))
    return raw, problems


def canonicalise(raw: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Canonical subject/emotion/filename/apex columns; unknown spellings are reported per line."""
    problems: list[Problem] = []
    table = raw.copy()
    table["subject"] = normalise_subjects(raw["subject"])
    table["emotion"] = normalise_emotions(raw["emotion"])
    table["filename"] = raw["filename"].str.strip()

    for line in table.index[table["emotion"].isna()]:
        value = raw.at[line, "emotion"]
        hint = did_you_mean(value, list(LABELS) + ["happy", "sad", "angry", "no_emotion"])
        extra = f" (did you mean {hint!r}?)" if hint else ""
        problems.append(Problem(LABEL_CHECK, "error",
                                f"unknown emotion {value!r}{extra}; known: {', '.join(EMOTIONS)}, No-ME",
                                name, int(line), "emotion", value))
    for line in table.index[table["subject"].isna()]:
        value = raw.at[line, "subject"]
        problems.append(Problem(LABEL_CHECK, "error",
                                f"unrecognised subject id {value!r} (expected e.g. Subject_01, Sub_1 or 1)",
                                name, int(line), "subject", value))

    apex_text = raw["apex_frame"].str.strip()
    blank = apex_text.isna() | apex_text.str.lower().isin(["", "nan", "na", "null", "none"])
    numeric = apex_text.str.match(_INT_RE).fillna(False)
    for line in table.index[~blank & ~numeric]:
        value = raw.at[line, "apex_frame"]
        problems.append(Problem(LABEL_CHECK, "error", f"apex_frame {value!r} is not a whole frame index",
                                name, int(line), "apex_frame", value))
    apex = pd.Series(pd.NA, index=table.index, dtype="Int64")
    apex[numeric & ~blank] = apex_text[numeric & ~blank].astype(float).astype("int64")
    table["apex_frame"] = apex
    return table, problems


def read_metadata(path: str | Path) -> Metadata:
    path = Path(path)
    raw, problems = read_raw(path)
    table, label_problems = canonicalise(raw, path.name)
    return Metadata(path=path, raw=raw, table=table, problems=name_clips(problems + label_problems, raw))
